/* spec-json.h: the OCI config.json side of the spec (spec-json.c). The functions themselves are
 * public (sbx_spec_to_json, sbx_spec_load_json, sbx_spec_load_json_string in sandbox.h); this
 * header holds the limits and names other modules and tests share. */
#ifndef SANDBOX_SPEC_JSON_H
#define SANDBOX_SPEC_JSON_H

/* The largest config.json the reader accepts. */
#define SPEC_JSON_MAX_BYTES (4 * 1024 * 1024)

#endif
