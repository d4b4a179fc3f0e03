/* fuzz-profile.c: libFuzzer target for the YAML profile loader. Any input must load or fail
 * with errors; never crash, hang or leak. */
#include "sandbox.h"

#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  static const char *const search[] = {"/nonexistent-profile-dir"};
  sbx_load_options opts = {0};
  opts.search_path = search;
  opts.n_search_path = 1;
  opts.pwd = "/work";
  opts.home = "/home/fuzz";
  opts.set_ids = true;
  opts.uid = 1000;
  opts.gid = 1000;
  sbx_spec *spec = NULL;
  sbx_error *err = NULL;
  if (sbx_spec_load_profile_string("fuzz.yaml", (const char *)data, size, &opts, &spec, &err) ==
      0) {
    char *json = sbx_spec_to_json(spec, NULL);
    free(json);
    sbx_spec_free(spec);
  }
  sbx_error_free(err);
  return 0;
}
