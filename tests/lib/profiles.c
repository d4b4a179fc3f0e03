/* profiles.c: the stock profiles, as the library loads them (see profiles.h). */
#include "profiles.h"

#include "scratch.h"

sbx_spec *stock_profile(const char *name, const char *const *sets, size_t n_sets) {
  const char *src = getenv("SBX_SRCDIR");
  char *dir = test_own(xasprintf("%s/profiles", src && *src ? src : "."));
  const char *const search[] = {dir};
  sbx_load_options o = {0};
  o.search_path = search;
  o.n_search_path = 1;
  o.sets = sets;
  o.n_sets = n_sets;
  o.pwd = scratch_dir();
  o.home = "/nonexistent/home";
  sbx_spec *s = NULL;
  sbx_error *err = NULL;
  if (sbx_spec_load_profile(name, &o, &s, &err) < 0)
    TEST_FAIL("the stock profile %s (in %s): %s", name, dir, own_error(err)->message);
  return own_spec(s);
}
