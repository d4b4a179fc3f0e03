#define TEST_FILE "test-jobspec"
#include "harness.h"
#include "jobspec.h"
TEST(placeholder_compile) { CHECK(1); }
RUN_TESTS()
