/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A small AML encoder: the few objects iovm's DSDT needs, written as the
 * ACPI specification's byte grammar (ACPI 6.5, chapter 20) and checked
 * byte for byte against what iasl compiles from the same ASL
 * (tests/unit/test_aml.c).
 *
 * Objects are appended to a caller's buffer. Blocks that carry a PkgLength
 * (Scope, Device, Package, Buffer) are opened with a call that returns a
 * mark and closed with the matching end call, which measures the block
 * and inserts its length, in as few bytes as the length needs. Errors are
 * sticky: the first one (-ENOSPC when the buffer is full, -EINVAL for a bad
 * name or string, -E2BIG for a block longer than a PkgLength can say) is
 * kept and later calls do nothing, so a caller checks once, at the end.
 */
#ifndef IOVM_KVM_X86_AML_H
#define IOVM_KVM_X86_AML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AML_PKGLENGTH_MAX	0x0fffffff	/* 28 bits, in four bytes */

struct aml {
	uint8_t *buf;
	size_t cap, len;
	int err;
};

void aml_init(struct aml *a, void *buf, size_t cap);
/* Bytes written, or the first error. */
int aml_result(const struct aml *a, size_t *len);

/*
 * PkgLength for a block whose bytes after the PkgLength number
 * @content_len: writes it to @out and returns its size (1 to 4), or
 * -E2BIG.
 */
int aml_pkglength(uint8_t out[4], size_t content_len);

/*
 * Names are one segment of 1 to 4 characters (A-Z, 0-9 and '_', not
 * starting with a digit; padded with '_'), optionally after a root
 * prefix: "\\_SB", "_HID", "COM1".
 */
size_t aml_scope(struct aml *a, const char *name);
size_t aml_device(struct aml *a, const char *name);
void aml_block_end(struct aml *a, size_t mark);

/* Name (NAME, ...): the object that follows is its value. */
void aml_name(struct aml *a, const char *name);
/* The shortest encoding: Zero, One, Ones, then byte, word, dword, qword. */
void aml_integer(struct aml *a, uint64_t v);
/* ASCII 0x01-0x7f only. */
void aml_string(struct aml *a, const char *s);
/* EISAID ("PNP0501"): three letters A-Z, four hex digits; a DWord. */
void aml_eisaid(struct aml *a, const char *id);
/* Package (){...}: close with aml_block_end() after @nr_elements objects. */
size_t aml_package(struct aml *a, uint8_t nr_elements);

/* ResourceTemplate () {...}: the descriptors below, then the end call. */
size_t aml_resource_template(struct aml *a);
void aml_resource_template_end(struct aml *a, size_t mark);

/* Memory32Fixed (ReadWrite or ReadOnly, base, length) */
void aml_memory32_fixed(struct aml *a, uint32_t base, uint32_t len,
			bool writable);
/* IO (Decode16, min, max, alignment, length) */
void aml_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align,
	    uint8_t len);

/*
 * What a bridge forwards (ACPI 6.5, 6.4.3.5): address space descriptors
 * for ResourceProducer, MinFixed, MaxFixed, PosDecode, granularity 0, no
 * translation, the length max - min + 1. -EINVAL when max < min or the
 * length does not fit.
 *
 *   WordBusNumber (..., 0, min, max, 0, len)
 *   WordIO (..., EntireRange, 0, min, max, 0, len)
 *   DWordMemory (..., NonCacheable, ReadWrite, 0, min, max, 0, len)
 *   QWordMemory (the same, 64-bit)
 */
void aml_word_bus_number(struct aml *a, uint16_t min, uint16_t max);
void aml_word_io(struct aml *a, uint16_t min, uint16_t max);
void aml_dword_memory(struct aml *a, uint32_t min, uint32_t max);
void aml_qword_memory(struct aml *a, uint64_t min, uint64_t max);

/* Interrupt (ResourceConsumer, trigger, polarity, sharing) { gsi } */
#define AML_IRQ_EDGE		(1 << 1)	/* else level-triggered */
#define AML_IRQ_ACTIVE_LOW	(1 << 2)	/* else active high */
#define AML_IRQ_SHARED		(1 << 3)	/* else exclusive */
void aml_interrupt(struct aml *a, uint32_t gsi, unsigned int flags);

#endif
