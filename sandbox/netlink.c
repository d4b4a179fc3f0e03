/* netlink.c: the loopback interface of a private net namespace, over rtnetlink with
 * libnl-route-3 (as bubblewrap does, without `ip`).
 *
 * Runs in the init process, inside the new net namespace. Rootless, the namespace belongs to
 * the job's user namespace, in which init is root: CAP_NET_ADMIN over this namespace is all
 * these requests need, and they can only change this namespace's own loopback. */
#include "hardening.h"

#include "util.h"

#include <net/if.h>
#include <netlink/errno.h>
#include <netlink/netlink.h>
#include <netlink/route/addr.h>
#include <netlink/route/link.h>
#include <sys/socket.h>

static void nl_sockp(struct nl_sock **s) {
  if (*s) nl_socket_free(*s);
}
static void link_putp(struct rtnl_link **l) {
  if (*l) rtnl_link_put(*l);
}
static void addr_putp(struct rtnl_addr **a) {
  if (*a) rtnl_addr_put(*a);
}
static void nladdr_putp(struct nl_addr **a) {
  if (*a) nl_addr_put(*a);
}

/* libnl's error codes, back to errno values where one fits. */
static int nle_to_errno(int nle) {
  switch (nle < 0 ? -nle : nle) {
  case NLE_INTR: return EINTR;
  case NLE_AGAIN: return EAGAIN;
  case NLE_NOMEM: return ENOMEM;
  case NLE_EXIST: return EEXIST;
  case NLE_INVAL: return EINVAL;
  case NLE_RANGE: return ERANGE;
  case NLE_OPNOTSUPP: return EOPNOTSUPP;
  case NLE_AF_NOSUPPORT: return EAFNOSUPPORT;
  case NLE_OBJ_NOTFOUND: return ENOENT;
  case NLE_NOADDR: return EADDRNOTAVAIL;
  case NLE_BUSY: return EBUSY;
  case NLE_NOACCESS: return EACCES;
  case NLE_PERM: return EPERM;
  case NLE_NODEV: return ENODEV;
  default: return EIO;
  }
}

static int nl_fail(sbx_error **err, int nle, const char *what) {
  return sbx_set_error(err, 0, "%s: %s (netlink error %d)", what, nl_geterror(nle), -nle);
}

static int add_address(struct nl_sock *sk, int ifindex, int family, const char *text,
                       sbx_error **err) {
  _cleanup_free_ char *what = xasprintf("adding %s to lo", text);
  __attribute__((cleanup(nladdr_putp))) struct nl_addr *local = NULL;
  int rc = nl_addr_parse(text, family, &local);
  if (rc < 0) return nl_fail(err, rc, what);
  __attribute__((cleanup(addr_putp))) struct rtnl_addr *a = rtnl_addr_alloc();
  if (!a) return sbx_set_error(err, ENOMEM, "%s", what);
  rtnl_addr_set_ifindex(a, ifindex);
  rtnl_addr_set_family(a, family);
  rtnl_addr_set_scope(a, RT_SCOPE_HOST);
  if ((rc = rtnl_addr_set_local(a, local)) < 0) return nl_fail(err, rc, what);
  rc = rtnl_addr_add(sk, a, 0);
  if (rc == -NLE_EXIST) return 0; /* the kernel adds both when lo comes up */
  if (rc < 0) {
    if (family == AF_INET6 && rc == -NLE_AF_NOSUPPORT) return 0; /* no IPv6 in this kernel */
    if (err && !*err) {
      nl_fail(err, rc, what);
      (*err)->code = nle_to_errno(rc);
    }
    return -1;
  }
  return 0;
}

int netlink_loopback_up(sbx_error **err) {
  __attribute__((cleanup(nl_sockp))) struct nl_sock *sk = nl_socket_alloc();
  if (!sk) return sbx_set_error(err, ENOMEM, "bringing up lo: allocating a netlink socket");
  int rc = nl_connect(sk, NETLINK_ROUTE);
  if (rc < 0) {
    nl_fail(err, rc, "bringing up lo: connecting to rtnetlink");
    if (err && *err) (*err)->code = nle_to_errno(rc);
    return -1;
  }
  __attribute__((cleanup(link_putp))) struct rtnl_link *lo = NULL;
  if ((rc = rtnl_link_get_kernel(sk, 0, "lo", &lo)) < 0) {
    nl_fail(err, rc, "bringing up lo: looking up the interface");
    if (err && *err) (*err)->code = nle_to_errno(rc);
    return -1;
  }
  int ifindex = rtnl_link_get_ifindex(lo);
  if (!(rtnl_link_get_flags(lo) & IFF_UP)) {
    __attribute__((cleanup(link_putp))) struct rtnl_link *change = rtnl_link_alloc();
    if (!change) return sbx_set_error(err, ENOMEM, "bringing up lo");
    rtnl_link_set_flags(change, IFF_UP);
    if ((rc = rtnl_link_change(sk, lo, change, 0)) < 0) {
      nl_fail(err, rc, "bringing up lo (setting IFF_UP)");
      if (err && *err) {
        (*err)->code = nle_to_errno(rc);
        if (rc == -NLE_PERM || rc == -NLE_NOACCESS)
          sbx_error_prefix(err, "CAP_NET_ADMIN over the new net namespace is missing");
      }
      return -1;
    }
  }
  if (add_address(sk, ifindex, AF_INET, "127.0.0.1/8", err) < 0 ||
      add_address(sk, ifindex, AF_INET6, "::1/128", err) < 0)
    return -1;

  /* Check: the kernel says lo is up. */
  __attribute__((cleanup(link_putp))) struct rtnl_link *now = NULL;
  if ((rc = rtnl_link_get_kernel(sk, ifindex, NULL, &now)) < 0)
    return nl_fail(err, rc, "bringing up lo: reading its state back");
  if (!(rtnl_link_get_flags(now) & IFF_UP))
    return sbx_set_error(err, EIO, "bringing up lo: the kernel still reports it down");
  return 0;
}
