/* fuzz-json.c: libFuzzer target for the config.json reader. Any input must load or fail with an
 * error; never crash, hang or leak. And what loads must survive the round trip: written and read
 * again, it is the same spec, and writing that gives the same text. */
#include "spec.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  sbx_spec *spec = NULL;
  sbx_error *err = NULL;
  if (sbx_spec_load_json_string((const char *)data, size, &spec, &err) < 0) {
    if (!err) abort(); /* a failure always says why */
    sbx_error_free(err);
    return 0;
  }
  /* The writer refuses what the reader refuses (the checker's rules of form serve both), but
   * should a spec read from JSON still be one the writer refuses, that must be an error, not a
   * crash. When it is written, it must read back equal. */
  char *json = sbx_spec_to_json(spec, &err);
  if (!json) {
    sbx_error_free(err);
    sbx_spec_free(spec);
    return 0;
  }
  sbx_spec *again = NULL;
  if (sbx_spec_load_json_string(json, strlen(json), &again, &err) < 0) abort();
  if (!spec_equal(spec, again)) abort();
  char *json2 = sbx_spec_to_json(again, NULL);
  if (!json2 || strcmp(json, json2) != 0) abort();
  free(json2);
  free(json);
  sbx_spec_free(again);
  sbx_spec_free(spec);
  return 0;
}
