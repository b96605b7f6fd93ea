/* libFuzzer target: the HTTP parser on request input. */
#include "http-fuzz-common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return fuzz_check(data, size, 0, 0);
}
