// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer glue, linked only into the libFuzzer builds of the harnesses
 * whose input is guest RAM with rings (FUZZ_RING_NAMES in the Makefile):
 * a custom mutator that alternates libFuzzer's byte-level mutations with
 * ours, which know where descriptors and ring indices are. Byte-level
 * mutation alone rarely turns a descriptor's address into one near 2^64.
 */
#include "fuzz.h"

size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max,
			       unsigned int seed)
{
	if (seed % 2)
		return LLVMFuzzerMutate(data, size, max);
	return fuzz_mutate(data, size, max, seed);
}
