/* profiles.h: the project's stock profiles (the YAML files of profiles/), loaded with the library's
 * loader, so that the tests hold the policies that ship and not a copy of them. */
#ifndef SANDBOX_TESTS_PROFILES_H
#define SANDBOX_TESTS_PROFILES_H

#include "jobs.h"

/* The test's own spec of stock profile `name`, from $SBX_SRCDIR/profiles (./profiles when unset),
 * with the `n_sets` overrides "key.path=value" of `sets`; ${PWD} is the test's scratch directory
 * and ${HOME} /nonexistent/home (a workdir that holds the home is refused). A profile that does
 * not load fails the test. */
sbx_spec *stock_profile(const char *name, const char *const *sets, size_t n_sets);

#endif
