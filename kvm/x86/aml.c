// SPDX-License-Identifier: GPL-2.0
/*
 * AML byte grammar for the DSDT: see aml.h. Opcodes and descriptor layouts
 * are those of ACPI 6.5, section 20.2 (AML grammar) and section 6.4
 * (resource data types).
 */
#include <errno.h>
#include <string.h>

#include "aml.h"

#define AML_ZERO_OP		0x00
#define AML_ONE_OP		0x01
#define AML_NAME_OP		0x08
#define AML_BYTE_PREFIX		0x0a
#define AML_WORD_PREFIX		0x0b
#define AML_DWORD_PREFIX	0x0c
#define AML_STRING_PREFIX	0x0d
#define AML_QWORD_PREFIX	0x0e
#define AML_SCOPE_OP		0x10
#define AML_BUFFER_OP		0x11
#define AML_PACKAGE_OP		0x12
#define AML_ROOT_CHAR		0x5c
#define AML_EXT_OP_PREFIX	0x5b
#define AML_DEVICE_OP		0x82	/* after the ext prefix */
#define AML_ONES_OP		0xff

/* Resource descriptor tags (ACPI 6.5, 6.4.2 and 6.4.3). */
#define RES_IO			0x47	/* small, 7 bytes of data */
#define RES_END_TAG		0x79	/* small, 1 byte: a checksum */
#define RES_MEMORY32_FIXED	0x86	/* large */
#define RES_DWORD_ADDRESS	0x87	/* large */
#define RES_WORD_ADDRESS	0x88	/* large */
#define RES_EXT_INTERRUPT	0x89	/* large */
#define RES_QWORD_ADDRESS	0x8a	/* large */
#define RES_IRQ_CONSUMER	(1 << 0)

/* Address space descriptors: resource type, general and specific flags. */
#define RES_SPACE_MEMORY	0
#define RES_SPACE_IO		1
#define RES_SPACE_BUS		2
#define RES_MIN_MAX_FIXED	((1 << 3) | (1 << 2))	/* _MAF, _MIF */
#define RES_IO_ENTIRE_RANGE	3			/* _RNG */
#define RES_MEM_READ_WRITE	1			/* _RW; _MEM 0: non-cacheable */

void aml_init(struct aml *a, void *buf, size_t cap)
{
	a->buf = buf;
	a->cap = cap;
	a->len = 0;
	a->err = 0;
}

int aml_result(const struct aml *a, size_t *len)
{
	if (a->err)
		return a->err;
	*len = a->len;
	return 0;
}

static void fail(struct aml *a, int err)
{
	if (!a->err)
		a->err = err;
}

static void put(struct aml *a, const void *p, size_t n)
{
	if (a->err)
		return;
	if (n > a->cap - a->len) {
		fail(a, -ENOSPC);
		return;
	}
	memcpy(a->buf + a->len, p, n);
	a->len += n;
}

static void put8(struct aml *a, uint8_t v)
{
	put(a, &v, 1);
}

/* Little-endian, as every multi-byte AML and resource field is. */
static void put_le(struct aml *a, uint64_t v, unsigned int bytes)
{
	uint8_t b[8];
	unsigned int i;

	for (i = 0; i < bytes; i++)
		b[i] = (uint8_t)(v >> (8 * i));
	put(a, b, bytes);
}

/* Make room for @n bytes at @at by moving what follows it up. */
static void insert(struct aml *a, size_t at, const uint8_t *p, size_t n)
{
	if (a->err)
		return;
	if (at > a->len || n > a->cap - a->len) {
		fail(a, -ENOSPC);
		return;
	}
	memmove(a->buf + at + n, a->buf + at, a->len - at);
	memcpy(a->buf + at, p, n);
	a->len += n;
}

int aml_pkglength(uint8_t out[4], size_t content_len)
{
	static const size_t max[4] = { 0x3f, 0xfff, 0xfffff, AML_PKGLENGTH_MAX };
	unsigned int n, i;
	size_t v;

	for (n = 1; n <= 4; n++)
		if (content_len <= max[n - 1] - n)
			break;
	if (n > 4)
		return -E2BIG;
	v = content_len + n;	/* the PkgLength counts its own bytes */
	if (n == 1) {
		out[0] = (uint8_t)v;
		return 1;
	}
	/* Lead byte: the byte count in bits 7-6, the low nibble in 3-0. */
	out[0] = (uint8_t)(((n - 1) << 6) | (v & 0xf));
	for (i = 1; i < n; i++)
		out[i] = (uint8_t)(v >> (4 + 8 * (i - 1)));
	return (int)n;
}

static bool name_char_ok(char c, bool first)
{
	return (c >= 'A' && c <= 'Z') || c == '_' ||
	       (!first && c >= '0' && c <= '9');
}

static void put_name(struct aml *a, const char *name)
{
	char seg[4] = { '_', '_', '_', '_' };
	size_t n, i;

	if (name[0] == '\\') {
		put8(a, AML_ROOT_CHAR);
		name++;
	}
	n = strlen(name);
	if (n < 1 || n > 4) {
		fail(a, -EINVAL);
		return;
	}
	for (i = 0; i < n; i++) {
		if (!name_char_ok(name[i], i == 0)) {
			fail(a, -EINVAL);
			return;
		}
		seg[i] = name[i];
	}
	put(a, seg, 4);
}

/* Where the PkgLength of the block begun at the current end will go. */
static size_t block_begin(struct aml *a, const uint8_t *op, size_t oplen)
{
	put(a, op, oplen);
	return a->len;
}

void aml_block_end(struct aml *a, size_t mark)
{
	uint8_t pl[4];
	int n;

	if (a->err)
		return;
	if (mark > a->len) {
		fail(a, -EINVAL);
		return;
	}
	n = aml_pkglength(pl, a->len - mark);
	if (n < 0)
		fail(a, n);
	else
		insert(a, mark, pl, (size_t)n);
}

size_t aml_scope(struct aml *a, const char *name)
{
	static const uint8_t op[] = { AML_SCOPE_OP };
	size_t mark = block_begin(a, op, sizeof(op));

	put_name(a, name);
	return mark;
}

size_t aml_device(struct aml *a, const char *name)
{
	static const uint8_t op[] = { AML_EXT_OP_PREFIX, AML_DEVICE_OP };
	size_t mark = block_begin(a, op, sizeof(op));

	put_name(a, name);
	return mark;
}

void aml_name(struct aml *a, const char *name)
{
	put8(a, AML_NAME_OP);
	put_name(a, name);
}

/* The integer's encoding in @out; its length. */
static size_t integer_bytes(uint8_t out[9], uint64_t v)
{
	unsigned int size, i;

	if (v == 0 || v == 1 || v == UINT64_MAX) {
		out[0] = v == 0 ? AML_ZERO_OP : v == 1 ? AML_ONE_OP : AML_ONES_OP;
		return 1;
	}
	if (v <= UINT8_MAX) {
		out[0] = AML_BYTE_PREFIX;
		size = 1;
	} else if (v <= UINT16_MAX) {
		out[0] = AML_WORD_PREFIX;
		size = 2;
	} else if (v <= UINT32_MAX) {
		out[0] = AML_DWORD_PREFIX;
		size = 4;
	} else {
		out[0] = AML_QWORD_PREFIX;
		size = 8;
	}
	for (i = 0; i < size; i++)
		out[1 + i] = (uint8_t)(v >> (8 * i));
	return 1 + size;
}

void aml_integer(struct aml *a, uint64_t v)
{
	uint8_t b[9];

	put(a, b, integer_bytes(b, v));
}

void aml_string(struct aml *a, const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++) {
		if ((unsigned char)s[i] > 0x7f) {
			fail(a, -EINVAL);
			return;
		}
	}
	put8(a, AML_STRING_PREFIX);
	put(a, s, i + 1);	/* with its NUL */
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/*
 * A compressed EISA ID: the three letters in five bits each ('A' is 1),
 * then the four hex digits, most significant first, in byte order.
 */
void aml_eisaid(struct aml *a, const char *id)
{
	uint8_t b[4];
	int d[4], i;

	if (strlen(id) != 7) {
		fail(a, -EINVAL);
		return;
	}
	for (i = 0; i < 3; i++)
		if (id[i] < 'A' || id[i] > 'Z') {
			fail(a, -EINVAL);
			return;
		}
	for (i = 0; i < 4; i++) {
		d[i] = hex_digit(id[3 + i]);
		if (d[i] < 0) {
			fail(a, -EINVAL);
			return;
		}
	}
	b[0] = (uint8_t)(((id[0] - 0x40) << 2) | ((id[1] - 0x40) >> 3));
	b[1] = (uint8_t)((((id[1] - 0x40) & 7) << 5) | (id[2] - 0x40));
	b[2] = (uint8_t)(d[0] << 4 | d[1]);
	b[3] = (uint8_t)(d[2] << 4 | d[3]);
	put8(a, AML_DWORD_PREFIX);
	put(a, b, 4);
}

size_t aml_package(struct aml *a, uint8_t nr_elements)
{
	static const uint8_t op[] = { AML_PACKAGE_OP };
	size_t mark = block_begin(a, op, sizeof(op));

	put8(a, nr_elements);
	return mark;
}

size_t aml_resource_template(struct aml *a)
{
	static const uint8_t op[] = { AML_BUFFER_OP };

	return block_begin(a, op, sizeof(op));
}

/*
 * The end tag closes the descriptors. Its checksum byte is zero, which
 * means "the descriptors are right as they are" (ACPI 6.5, 6.4.2.9); iasl
 * writes zero too. Then the Buffer's size and PkgLength go in front.
 */
void aml_resource_template_end(struct aml *a, size_t mark)
{
	uint8_t size[9];

	put8(a, RES_END_TAG);
	put8(a, 0);
	if (a->err)
		return;
	if (mark > a->len) {
		fail(a, -EINVAL);
		return;
	}
	insert(a, mark, size, integer_bytes(size, a->len - mark));
	aml_block_end(a, mark);
}

void aml_memory32_fixed(struct aml *a, uint32_t base, uint32_t len,
			bool writable)
{
	put8(a, RES_MEMORY32_FIXED);
	put_le(a, 9, 2);		/* bytes after the length field */
	put8(a, writable ? 1 : 0);
	put_le(a, base, 4);
	put_le(a, len, 4);
}

void aml_io(struct aml *a, uint16_t min, uint16_t max, uint8_t align,
	    uint8_t len)
{
	put8(a, RES_IO);
	put8(a, 1);			/* decodes 16 address bits */
	put_le(a, min, 2);
	put_le(a, max, 2);
	put8(a, align);
	put8(a, len);
}

void aml_interrupt(struct aml *a, uint32_t gsi, unsigned int flags)
{
	put8(a, RES_EXT_INTERRUPT);
	put_le(a, 6, 2);		/* flags, count, one 32-bit number */
	put8(a, (uint8_t)(RES_IRQ_CONSUMER |
			  (flags & (AML_IRQ_EDGE | AML_IRQ_ACTIVE_LOW |
				    AML_IRQ_SHARED))));
	put8(a, 1);
	put_le(a, gsi, 4);
}

/*
 * A producer's address space descriptor of @width bytes a field: header,
 * then granularity, minimum, maximum, translation offset and length.
 */
static void address_space(struct aml *a, uint8_t tag, unsigned int width,
			  uint8_t type, uint8_t type_flags, uint64_t min,
			  uint64_t max)
{
	uint64_t len = max - min + 1;

	if (max < min || (width < 8 && len > (1ULL << (8 * width)) - 1) ||
	    (width == 8 && len == 0)) {
		fail(a, -EINVAL);
		return;
	}
	put8(a, tag);
	put_le(a, 3 + 5 * width, 2);	/* bytes after the length field */
	put8(a, type);
	put8(a, RES_MIN_MAX_FIXED);	/* producer, positive decode */
	put8(a, type_flags);
	put_le(a, 0, width);		/* granularity */
	put_le(a, min, width);
	put_le(a, max, width);
	put_le(a, 0, width);		/* translation offset */
	put_le(a, len, width);
}

void aml_word_bus_number(struct aml *a, uint16_t min, uint16_t max)
{
	address_space(a, RES_WORD_ADDRESS, 2, RES_SPACE_BUS, 0, min, max);
}

void aml_word_io(struct aml *a, uint16_t min, uint16_t max)
{
	address_space(a, RES_WORD_ADDRESS, 2, RES_SPACE_IO,
		      RES_IO_ENTIRE_RANGE, min, max);
}

void aml_dword_memory(struct aml *a, uint32_t min, uint32_t max)
{
	address_space(a, RES_DWORD_ADDRESS, 4, RES_SPACE_MEMORY,
		      RES_MEM_READ_WRITE, min, max);
}

void aml_qword_memory(struct aml *a, uint64_t min, uint64_t max)
{
	address_space(a, RES_QWORD_ADDRESS, 8, RES_SPACE_MEMORY,
		      RES_MEM_READ_WRITE, min, max);
}
