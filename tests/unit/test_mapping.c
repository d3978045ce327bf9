// SPDX-License-Identifier: GPL-2.0
/*
 * The IOVA interval tree: inclusive [start, last] intervals, so touching
 * intervals are legal and the very last byte of the address space can be
 * mapped. Every overlap shape is refused without changing the tree, a
 * range removal that would split a mapping removes nothing, and a long
 * random run is checked step by step against a plain array, with the AVL
 * invariants verified on the way. Longer runs against a map of pages grow
 * and shrink trees of up to some 18,000 mappings, one of them with the
 * AVL invariants checked after every operation.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../../iommu/mapping.h"

#define TOP	UINT64_MAX
#define PG	0x1000ULL

/* A snapshot of the tree, to show a refused operation changed nothing. */
struct snap {
	unsigned int n;
	struct mapping m[64];
};

static void snap_take(const struct mapping_tree *t, struct snap *s)
{
	s->n = mapping_list(t, s->m, 64);
	assert_int_equal(s->n, t->count);
}

static void snap_same(const struct mapping_tree *t, const struct snap *s)
{
	struct snap now;
	unsigned int i;

	snap_take(t, &now);
	assert_int_equal(now.n, s->n);
	for (i = 0; i < s->n; i++) {
		assert_int_equal(now.m[i].start, s->m[i].start);
		assert_int_equal(now.m[i].last, s->m[i].last);
		assert_int_equal(now.m[i].phys, s->m[i].phys);
		assert_int_equal(now.m[i].flags, s->m[i].flags);
	}
}

/* Assert @iova is inside exactly the mapping [start, last]. */
static void assert_in(const struct mapping_tree *t, uint64_t iova,
		      uint64_t start, uint64_t last)
{
	const struct mapping *m = mapping_find(t, iova);

	assert_non_null(m);
	assert_int_equal(m->start, start);
	assert_int_equal(m->last, last);
}

/*
 * log2 without libm (the unit tests do not link it): the integer part
 * from the top bit, the fraction bit by bit by repeated squaring.
 */
static double lg2(uint64_t x)
{
	int e = 63 - __builtin_clzll(x), i;
	double m = (double)x / (double)(1ULL << e), r = e, bit = 0.5;

	for (i = 0; i < 40; i++, bit /= 2) {
		m *= m;
		if (m >= 2) {
			m /= 2;
			r += bit;
		}
	}
	return r;
}

/*
 * Every node: heights consistent, balance within one, keys ordered and
 * intervals disjoint. Returns the subtree's node count.
 */
static uint64_t check_avl(const struct mapping *m, uint64_t lo, bool has_lo,
			  uint64_t hi, bool has_hi)
{
	int hl = m && m->left ? m->left->height : 0;
	int hr = m && m->right ? m->right->height : 0;
	uint64_t n;

	if (!m)
		return 0;
	assert_true(m->start <= m->last);
	if (has_lo)
		assert_true(m->start > lo);
	if (has_hi)
		assert_true(m->last < hi);
	assert_int_equal(m->height, (hl > hr ? hl : hr) + 1);
	assert_true(hl - hr <= 1 && hr - hl <= 1);
	n = check_avl(m->left, lo, has_lo, m->start, true);
	n += check_avl(m->right, m->last, true, hi, has_hi);
	return n + 1;
}

static void check_tree(const struct mapping_tree *t)
{
	assert_int_equal(check_avl(t->root, 0, false, 0, false), t->count);
	if (t->root)
		/* An AVL tree of n nodes is at most ~1.44 log2(n + 2) high. */
		assert_true(t->root->height <= 1.45 * lg2(t->count + 2));
}

static void test_insert_reversed(void **state)
{
	struct mapping_tree t = { 0 };

	assert_int_equal(mapping_insert(&t, 0x2000, 0x1fff, 0, MAP_READ),
			 -EINVAL);
	assert_int_equal(mapping_insert(&t, TOP, 0, 0, MAP_READ), -EINVAL);
	assert_int_equal(t.count, 0);
	assert_null(t.root);
	/* A one-byte interval is fine: last == start. */
	assert_int_equal(mapping_insert(&t, 7, 7, 0x100, MAP_READ), 0);
	assert_in(&t, 7, 7, 7);
	assert_null(mapping_find(&t, 6));
	assert_null(mapping_find(&t, 8));
	mapping_clear(&t);
}

static void test_adjacent(void **state)
{
	struct mapping_tree t = { 0 };

	assert_int_equal(mapping_insert(&t, 0x2000, 0x2fff, 0xa000, MAP_READ),
			 0);
	/* Touching on either side: last + 1 == start. */
	assert_int_equal(mapping_insert(&t, 0x3000, 0x3fff, 0xb000, MAP_WRITE),
			 0);
	assert_int_equal(mapping_insert(&t, 0x1000, 0x1fff, 0xc000,
					MAP_READ | MAP_WRITE), 0);
	assert_int_equal(mapping_insert(&t, 0, 0xfff, 0xd000, MAP_READ), 0);
	assert_int_equal(t.count, 4);
	check_tree(&t);

	assert_in(&t, 0, 0, 0xfff);
	assert_in(&t, 0xfff, 0, 0xfff);
	assert_in(&t, 0x1000, 0x1000, 0x1fff);
	assert_in(&t, 0x1fff, 0x1000, 0x1fff);
	assert_in(&t, 0x2000, 0x2000, 0x2fff);
	assert_in(&t, 0x2fff, 0x2000, 0x2fff);
	assert_in(&t, 0x3000, 0x3000, 0x3fff);
	assert_in(&t, 0x3fff, 0x3000, 0x3fff);
	assert_null(mapping_find(&t, 0x4000));
	assert_null(mapping_find(&t, TOP));
	assert_int_equal(mapping_find(&t, 0x3000)->phys, 0xb000);
	assert_int_equal(mapping_find(&t, 0x3000)->flags, MAP_WRITE);
	mapping_clear(&t);
	assert_int_equal(t.count, 0);
	assert_null(t.root);
}

static void test_overlap_shapes(void **state)
{
	static const uint64_t bad[][2] = {
		{ 0x11000, 0x11fff },	/* inside */
		{ 0x10000, 0x1ffff },	/* identical */
		{ 0xf000, 0x20fff },	/* containing */
		{ 0x0, TOP },		/* containing everything */
		{ 0xf000, 0x10000 },	/* straddling the start by one byte */
		{ 0xf000, 0x10fff },	/* straddling the start */
		{ 0x1ffff, 0x20fff },	/* straddling the end by one byte */
		{ 0x1f000, 0x20fff },	/* straddling the end */
		{ 0x10000, 0x10000 },	/* first byte only */
		{ 0x1ffff, 0x1ffff },	/* last byte only */
		{ 0x10000, 0x10fff },	/* same start, shorter */
		{ 0x1f000, 0x1ffff },	/* same end, shorter */
		{ 0x10000, 0x2ffff },	/* same start, longer */
		{ 0x8000, 0x1ffff },	/* same end, longer */
		{ 0x1f000, 0x30fff },	/* bridging into the next mapping */
		{ 0x20000, 0x30000 },	/* the gap plus the next one's first byte */
	};
	struct mapping_tree t = { 0 };
	struct snap before;
	unsigned int i;

	assert_int_equal(mapping_insert(&t, 0x10000, 0x1ffff, 0x1000,
					MAP_READ), 0);
	assert_int_equal(mapping_insert(&t, 0x30000, 0x3ffff, 0x9000,
					MAP_WRITE), 0);
	snap_take(&t, &before);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(mapping_insert(&t, bad[i][0], bad[i][1], 0,
						MAP_READ), -EEXIST);
		snap_same(&t, &before);
		check_tree(&t);
	}
	/* The exact gap between the two is free. */
	assert_int_equal(mapping_insert(&t, 0x20000, 0x2ffff, 0, MAP_READ), 0);
	assert_int_equal(t.count, 3);
	mapping_clear(&t);
}

static void test_full_range(void **state)
{
	struct mapping_tree t = { 0 };
	struct snap before;

	assert_int_equal(mapping_insert(&t, 0, TOP, 0x5000, MAP_READ), 0);
	assert_in(&t, 0, 0, TOP);
	assert_in(&t, TOP, 0, TOP);
	assert_in(&t, 1ULL << 63, 0, TOP);
	assert_int_equal(mapping_next(&t, 0)->start, 0);
	assert_null(mapping_next(&t, 1));
	snap_take(&t, &before);
	/* Nothing else fits anywhere. */
	assert_int_equal(mapping_insert(&t, 0, 0, 0, MAP_READ), -EEXIST);
	assert_int_equal(mapping_insert(&t, TOP, TOP, 0, MAP_READ), -EEXIST);
	assert_int_equal(mapping_insert(&t, 0, TOP, 0, MAP_READ), -EEXIST);
	/* Removal must not split it, from either end. */
	assert_int_equal(mapping_remove_range(&t, 1, TOP), -ERANGE);
	assert_int_equal(mapping_remove_range(&t, 0, TOP - 1), -ERANGE);
	assert_int_equal(mapping_remove_range(&t, 5, 5), -ERANGE);
	snap_same(&t, &before);
	assert_int_equal(mapping_remove_range(&t, 0, TOP), 1);
	assert_int_equal(t.count, 0);
	assert_null(mapping_find(&t, 0));
	assert_null(mapping_find(&t, TOP));
	/* The empty tree: removal of everything removes nothing. */
	assert_int_equal(mapping_remove_range(&t, 0, TOP), 0);
	mapping_clear(&t);
}

static void test_top_of_space(void **state)
{
	struct mapping_tree t = { 0 };
	struct snap before;

	assert_int_equal(mapping_insert(&t, TOP - 0xfff, TOP, 0x1000,
					MAP_READ), 0);
	assert_int_equal(mapping_insert(&t, TOP - 0x1fff, TOP - 0x1000,
					0x2000, MAP_READ), 0);
	assert_int_equal(mapping_insert(&t, TOP, TOP, 0, MAP_READ), -EEXIST);
	assert_in(&t, TOP, TOP - 0xfff, TOP);
	assert_in(&t, TOP - 0xfff, TOP - 0xfff, TOP);
	assert_in(&t, TOP - 0x1000, TOP - 0x1fff, TOP - 0x1000);
	assert_in(&t, TOP - 0x1fff, TOP - 0x1fff, TOP - 0x1000);
	assert_null(mapping_find(&t, TOP - 0x2000));
	assert_int_equal(mapping_next(&t, TOP - 0x1000)->start, TOP - 0xfff);
	assert_null(mapping_next(&t, TOP));
	check_tree(&t);

	snap_take(&t, &before);
	assert_int_equal(mapping_remove_range(&t, TOP - 0x17ff, TOP), -ERANGE);
	assert_int_equal(mapping_remove_range(&t, TOP, TOP), -ERANGE);
	assert_int_equal(mapping_remove_range(&t, TOP - 0x1fff, TOP - 1),
			 -ERANGE);
	snap_same(&t, &before);

	/* The topmost mapping alone, with the range ending at 2^64 - 1. */
	assert_int_equal(mapping_remove_range(&t, TOP - 0xfff, TOP), 1);
	assert_null(mapping_find(&t, TOP));
	assert_in(&t, TOP - 0x1000, TOP - 0x1fff, TOP - 0x1000);
	/* A one-byte mapping at the very top, and its removal. */
	assert_int_equal(mapping_insert(&t, TOP, TOP, 0x77, MAP_WRITE), 0);
	assert_in(&t, TOP, TOP, TOP);
	assert_int_equal(mapping_remove_range(&t, TOP, TOP), 1);
	assert_int_equal(mapping_remove_range(&t, 0, TOP), 1);
	assert_int_equal(t.count, 0);
	mapping_clear(&t);
}

/* Three mappings with gaps: [0x1000,0x1fff] [0x3000,0x4fff] [0x6000,0x6fff] */
static void three(struct mapping_tree *t)
{
	mapping_clear(t);
	assert_int_equal(mapping_insert(t, 0x1000, 0x1fff, 0, MAP_READ), 0);
	assert_int_equal(mapping_insert(t, 0x3000, 0x4fff, 0, MAP_READ), 0);
	assert_int_equal(mapping_insert(t, 0x6000, 0x6fff, 0, MAP_READ), 0);
}

static void test_remove_range(void **state)
{
	static const uint64_t straddle[][2] = {
		{ 0x3001, 0x6fff },	/* starts inside the second */
		{ 0x4fff, 0x7000 },	/* starts at its last byte */
		{ 0x0, 0x3000 },	/* ends at the second's first byte */
		{ 0x1000, 0x4ffe },	/* ends one short */
		{ 0x3800, 0x3fff },	/* inside one mapping */
		{ 0x1800, 0x6800 },	/* both ends */
	};
	struct mapping_tree t = { 0 };
	struct snap before;
	unsigned int i;

	three(&t);
	snap_take(&t, &before);
	for (i = 0; i < sizeof(straddle) / sizeof(straddle[0]); i++) {
		assert_int_equal(mapping_remove_range(&t, straddle[i][0],
						      straddle[i][1]), -ERANGE);
		snap_same(&t, &before);
	}
	assert_int_equal(mapping_remove_range(&t, 0x2000, 0x1fff), -EINVAL);
	snap_same(&t, &before);

	/* Ranges with no mapping inside: gaps, before, after. */
	assert_int_equal(mapping_remove_range(&t, 0x2000, 0x2fff), 0);
	assert_int_equal(mapping_remove_range(&t, 0x5000, 0x5fff), 0);
	assert_int_equal(mapping_remove_range(&t, 0, 0xfff), 0);
	assert_int_equal(mapping_remove_range(&t, 0x7000, TOP), 0);
	snap_same(&t, &before);

	/* Exact. */
	assert_int_equal(mapping_remove_range(&t, 0x3000, 0x4fff), 1);
	assert_int_equal(t.count, 2);
	assert_null(mapping_find(&t, 0x3000));
	assert_null(mapping_find(&t, 0x4fff));
	assert_in(&t, 0x1fff, 0x1000, 0x1fff);
	assert_in(&t, 0x6000, 0x6000, 0x6fff);

	/* Spilling over unmapped space on both sides, several at once. */
	three(&t);
	assert_int_equal(mapping_remove_range(&t, 0x800, 0x5fff), 2);
	assert_int_equal(t.count, 1);
	assert_in(&t, 0x6000, 0x6000, 0x6fff);
	three(&t);
	assert_int_equal(mapping_remove_range(&t, 0x1000, 0x6fff), 3);
	assert_int_equal(t.count, 0);
	assert_null(t.root);
	three(&t);
	assert_int_equal(mapping_remove_range(&t, 0, TOP), 3);
	assert_int_equal(t.count, 0);
	mapping_clear(&t);
}

static void test_next(void **state)
{
	struct mapping_tree t = { 0 };

	assert_null(mapping_next(&t, 0));
	three(&t);
	assert_int_equal(mapping_next(&t, 0)->start, 0x1000);
	assert_int_equal(mapping_next(&t, 0x1000)->start, 0x1000);
	/* From inside a mapping: the following one, not the one holding it. */
	assert_int_equal(mapping_next(&t, 0x1001)->start, 0x3000);
	assert_int_equal(mapping_next(&t, 0x2fff)->start, 0x3000);
	assert_int_equal(mapping_next(&t, 0x4fff)->start, 0x6000);
	assert_int_equal(mapping_next(&t, 0x6000)->start, 0x6000);
	assert_null(mapping_next(&t, 0x6001));
	assert_null(mapping_next(&t, TOP));
	mapping_clear(&t);
}

static void test_list_order(void **state)
{
	struct mapping_tree t = { 0 };
	struct mapping out[40];
	unsigned int i, n;

	/* Inserted in a scrambled order (7 is coprime to 32). */
	for (i = 0; i < 32; i++) {
		uint64_t k = (i * 7) % 32;

		assert_int_equal(mapping_insert(&t, k * PG, k * PG + PG - 1,
						k, MAP_READ), 0);
	}
	check_tree(&t);
	n = mapping_list(&t, out, 40);
	assert_int_equal(n, 32);
	for (i = 0; i < n; i++) {
		assert_int_equal(out[i].start, i * PG);
		assert_int_equal(out[i].phys, i);
	}
	/* A short array gets the lowest ones, still in order. */
	memset(out, 0, sizeof(out));
	assert_int_equal(mapping_list(&t, out, 5), 5);
	for (i = 0; i < 5; i++)
		assert_int_equal(out[i].start, i * PG);
	assert_int_equal(out[5].start, 0);
	assert_int_equal(out[5].last, 0);
	assert_int_equal(mapping_list(&t, out, 0), 0);
	mapping_clear(&t);
	assert_int_equal(mapping_list(&t, out, 40), 0);
}

/* Ascending insertion is the worst case for an unbalanced tree. */
static void test_sequential_balance(void **state)
{
	struct mapping_tree t = { 0 };
	uint64_t i, n = 100000;

	for (i = 0; i < n; i++)
		assert_int_equal(mapping_insert(&t, i * PG, i * PG + PG - 1, i,
						MAP_READ), 0);
	check_tree(&t);
	assert_true(t.root->height <= 1.45 * lg2(n + 2));
	/* Removing from one end, one at a time, keeps it balanced. */
	for (i = 0; i < n / 2; i++)
		assert_int_equal(mapping_remove_range(&t, i * PG,
						      i * PG + PG - 1), 1);
	check_tree(&t);
	assert_in(&t, n / 2 * PG, n / 2 * PG, n / 2 * PG + PG - 1);
	assert_null(mapping_find(&t, n / 2 * PG - 1));
	/* And one big removal takes all of the rest. */
	assert_int_equal(mapping_remove_range(&t, 0, TOP), (int64_t)(n / 2));
	assert_null(t.root);
	mapping_clear(&t);
}

/*
 * The removal that needs one descent: the first mapping at or after the
 * range's start ends exactly at its last. Around it, every way the range
 * can still cover more, straddle, or miss.
 */
static void test_remove_one(void **state)
{
	struct mapping_tree t = { 0 };
	struct snap before;

	three(&t);
	/* From the gap before it: still only that one. */
	assert_int_equal(mapping_remove_range(&t, 0x2000, 0x4fff), 1);
	assert_null(mapping_find(&t, 0x3000));
	assert_in(&t, 0x1000, 0x1000, 0x1fff);
	assert_in(&t, 0x6fff, 0x6000, 0x6fff);
	assert_int_equal(mapping_remove_range(&t, 0x2000, 0x4fff), 0);
	check_tree(&t);

	/* Its start, but the next one ends past last: refused, not one. */
	three(&t);
	snap_take(&t, &before);
	assert_int_equal(mapping_remove_range(&t, 0x1000, 0x6000), -ERANGE);
	assert_int_equal(mapping_remove_range(&t, 0x1000, 0x6ffe), -ERANGE);
	/* Its last, but the range starts inside the one before. */
	assert_int_equal(mapping_remove_range(&t, 0x1fff, 0x4fff), -ERANGE);
	/* Its start, and last inside it. */
	assert_int_equal(mapping_remove_range(&t, 0x3000, 0x3fff), -ERANGE);
	snap_same(&t, &before);

	/* Ending at a later mapping's last: all in between go too. */
	assert_int_equal(mapping_remove_range(&t, 0x1000, 0x6fff), 3);
	assert_null(t.root);
	three(&t);
	assert_int_equal(mapping_remove_range(&t, 0, 0x4fff), 2);
	assert_in(&t, 0x6000, 0x6000, 0x6fff);
	/* Past every mapping, and before all of them. */
	assert_int_equal(mapping_remove_range(&t, 0x7000, 0x7fff), 0);
	assert_int_equal(mapping_remove_range(&t, 0, 0xfff), 0);
	assert_int_equal(t.count, 1);
	mapping_clear(&t);
}

/*
 * The tree's nodes come from a pool of its own; the last removal gives it
 * all back, so an empty tree owns nothing (the leak checker of the
 * sanitizer build would see it otherwise), and a tree refills after it.
 */
static void test_pool(void **state)
{
	struct mapping_tree t = { 0 };
	uint64_t i, n = 5000;

	for (i = 0; i < n; i++)
		assert_int_equal(mapping_insert(&t, i * PG, i * PG + PG - 1, i,
						MAP_READ), 0);
	/* Every other one out, and back in from the spare nodes. */
	for (i = 0; i < n; i += 2)
		assert_int_equal(mapping_remove_range(&t, i * PG,
						      i * PG + PG - 1), 1);
	assert_non_null(t.spare);
	for (i = 0; i < n; i += 2)
		assert_int_equal(mapping_insert(&t, i * PG, i * PG + PG - 1,
						~i, MAP_WRITE), 0);
	check_tree(&t);
	for (i = 0; i < n; i++)
		assert_int_equal(mapping_find(&t, i * PG + 5)->phys,
				 i % 2 ? i : ~i);
	/* Emptied one at a time, in a scrambled order (7919 is prime). */
	for (i = 0; i < n; i++) {
		uint64_t k = i * 7919 % n;

		assert_int_equal(mapping_remove_range(&t, k * PG,
						      k * PG + PG - 1), 1);
		assert_true(t.root || !t.count);
	}
	assert_int_equal(t.count, 0);
	assert_null(t.root);
	/* Emptied, the pool stays: the next insert allocates nothing. */
	assert_non_null(t.chunks);
	assert_non_null(t.spare);
	{
		struct mapping_chunk *chunks = t.chunks;

		assert_int_equal(mapping_insert(&t, 0, TOP, 1, MAP_READ), 0);
		assert_ptr_equal(t.chunks, chunks);
	}
	mapping_clear(&t);
	assert_null(t.root);
	assert_null(t.chunks);
	assert_null(t.spare);
	assert_int_equal(t.count, 0);
	/* A clear of a cleared tree is harmless. */
	mapping_clear(&t);
}

/* ---- the randomized run against a plain array ---- */

#define MODEL_MAX	4096
#define SPAN		(1ULL << 16)	/* bytes per region */

struct model {
	unsigned int n;
	struct { uint64_t start, last, phys; } iv[MODEL_MAX];
};

static uint64_t rnd(uint64_t *x)
{
	/* xorshift64*: fixed seed, so a failure reproduces. */
	*x ^= *x >> 12;
	*x ^= *x << 25;
	*x ^= *x >> 27;
	return *x * 0x2545f4914f6cdd1dULL;
}

/*
 * A random interval in one of two regions: the bottom of the address
 * space or its top, where last may be 2^64 - 1.
 */
static void rnd_interval(uint64_t *x, uint64_t *start, uint64_t *last)
{
	uint64_t lo = rnd(x) & 1 ? 0 - SPAN : 0;
	uint64_t r = rnd(x);
	uint64_t len = 1 + (r >> 32) % (r & 3 ? 256 : 8192);
	uint64_t off = r % SPAN;

	*start = lo + off;
	*last = len - 1 > SPAN - 1 - off ? lo + SPAN - 1 : *start + len - 1;
}

static int model_find(const struct model *md, uint64_t iova)
{
	unsigned int i;

	for (i = 0; i < md->n; i++)
		if (md->iv[i].start <= iova && iova <= md->iv[i].last)
			return (int)i;
	return -1;
}

static int model_insert(struct model *md, uint64_t start, uint64_t last,
			uint64_t phys)
{
	unsigned int i;

	for (i = 0; i < md->n; i++)
		if (md->iv[i].start <= last && start <= md->iv[i].last)
			return -EEXIST;
	if (md->n == MODEL_MAX)
		return -ENOSPC;
	md->iv[md->n].start = start;
	md->iv[md->n].last = last;
	md->iv[md->n].phys = phys;
	md->n++;
	return 0;
}

static int64_t model_remove(struct model *md, uint64_t start, uint64_t last)
{
	unsigned int i;
	int64_t n = 0;

	for (i = 0; i < md->n; i++) {
		uint64_t s = md->iv[i].start, l = md->iv[i].last;

		if ((s < start && l >= start) || (s <= last && l > last))
			return -ERANGE;
	}
	for (i = 0; i < md->n;) {
		if (md->iv[i].start >= start && md->iv[i].last <= last) {
			md->iv[i] = md->iv[--md->n];
			n++;
		} else {
			i++;
		}
	}
	return n;
}

static int cmp_start(const void *a, const void *b)
{
	const uint64_t *x = a, *y = b;

	return *x < *y ? -1 : *x > *y;
}

static void model_compare(const struct model *md, const struct mapping_tree *t)
{
	static struct mapping out[MODEL_MAX];
	static struct { uint64_t start, last, phys; } sorted[MODEL_MAX];
	unsigned int i, n;

	assert_int_equal(t->count, md->n);
	n = mapping_list(t, out, MODEL_MAX);
	assert_int_equal(n, md->n);
	memcpy(sorted, md->iv, sizeof(sorted[0]) * md->n);
	qsort(sorted, md->n, sizeof(sorted[0]), cmp_start);
	for (i = 0; i < n; i++) {
		assert_int_equal(out[i].start, sorted[i].start);
		assert_int_equal(out[i].last, sorted[i].last);
		assert_int_equal(out[i].phys, sorted[i].phys);
	}
	check_tree(t);
}

static void test_random_against_model(void **state)
{
	static struct model md;
	struct mapping_tree t = { 0 };
	uint64_t x = 0x9e3779b97f4a7c15ULL;
	unsigned int op, inserted = 0, removed = 0, refused = 0;

	md.n = 0;
	for (op = 0; op < 30000; op++) {
		uint64_t r = rnd(&x), start, last, iova, phys = rnd(&x);
		const struct mapping *m;
		int64_t got, want;
		int i;

		rnd_interval(&x, &start, &last);
		switch (r % 8) {
		case 0: case 1: case 2: case 3:
			want = model_insert(&md, start, last, phys);
			if (want == -ENOSPC)
				break;
			got = mapping_insert(&t, start, last, phys, MAP_READ);
			assert_int_equal(got, want);
			inserted += !got;
			refused += !!got;
			break;
		case 4:
			/* Mostly short ranges, so that some succeed. */
			if (r & 0x100)
				last = start + (last - start) / 16;
			want = model_remove(&md, start, last);
			got = mapping_remove_range(&t, start, last);
			assert_int_equal(got, want);
			removed += got > 0 ? (unsigned int)got : 0;
			break;
		case 5:
			/* Remove a random existing one exactly. */
			if (!md.n)
				break;
			i = (int)((r >> 8) % md.n);
			start = md.iv[i].start;
			last = md.iv[i].last;
			assert_int_equal(mapping_remove_range(&t, start, last),
					 model_remove(&md, start, last));
			removed++;
			break;
		default:
			/* Lookups at, around and inside intervals. */
			for (i = 0; i < 8; i++) {
				int k;

				iova = i & 1 ? last + (i & 2) - 1 :
					       start - (i & 2) / 2 + (i & 4);
				k = model_find(&md, iova);
				m = mapping_find(&t, iova);
				if (k < 0) {
					assert_null(m);
					continue;
				}
				assert_non_null(m);
				assert_int_equal(m->start, md.iv[k].start);
				assert_int_equal(m->phys, md.iv[k].phys);
			}
			break;
		}
		if (op % 1000 == 999)
			model_compare(&md, &t);
	}
	model_compare(&md, &t);
	/* The run did exercise all three outcomes. */
	assert_true(inserted > 1000);
	assert_true(removed > 500);
	assert_true(refused > 1000);
	assert_true(t.count > 100);
	mapping_clear(&t);
	assert_null(t.root);
}

/* ---- long random runs against a page map ---- */

/*
 * A model that costs only the pages an operation names, so that a run can
 * be long and the tree big: some 18,000 mappings and 17 levels at the
 * peaks, as deep as the tree a guest's 65,536 mappings make, through
 * phases of growth and of shrinking that refill and empty the node pool.
 */
#define PAGES_MAX	(1u << 16)

struct paged {
	uint32_t pages;		/* at the very top of the address space */
	uint64_t count;
	uint32_t owner[PAGES_MAX];	/* 1 + its mapping's first page, or 0 */
	uint32_t lastpg[PAGES_MAX];	/* indexed by first page */
	uint64_t phys[PAGES_MAX];	/* indexed by first page */
};

struct tally {
	unsigned int inserted, refused, exact, several, nothing, straddled;
};

/* Page @p's address: the last page ends at 2^64 - 1. */
static uint64_t pg_addr(const struct paged *pm, uint32_t p)
{
	return 0 - (uint64_t)pm->pages * PG + (uint64_t)p * PG;
}

static int paged_insert(struct paged *pm, uint32_t s, uint32_t l,
			uint64_t phys)
{
	uint32_t p;

	for (p = s; p <= l; p++)
		if (pm->owner[p])
			return -EEXIST;
	for (p = s; p <= l; p++)
		pm->owner[p] = s + 1;
	pm->lastpg[s] = l;
	pm->phys[s] = phys;
	pm->count++;
	return 0;
}

static int64_t paged_remove(struct paged *pm, uint32_t s, uint32_t l)
{
	uint32_t p, q;
	int64_t n = 0;

	if ((pm->owner[s] && pm->owner[s] - 1 < s) ||
	    (pm->owner[l] && pm->lastpg[pm->owner[l] - 1] > l))
		return -ERANGE;
	for (p = s; p <= l; p++) {
		if (pm->owner[p] != p + 1)
			continue;
		for (q = p; q <= pm->lastpg[p]; q++)
			pm->owner[q] = 0;
		p = pm->lastpg[p];
		pm->count--;
		n++;
	}
	return n;
}

static void paged_probe(const struct paged *pm, const struct mapping_tree *t,
			uint64_t r, bool next)
{
	uint32_t p = (uint32_t)(r % pm->pages), q;
	uint64_t off = (r >> 32) % PG, iova = pg_addr(pm, p) + off;
	const struct mapping *m = mapping_find(t, iova);

	if (!pm->owner[p]) {
		assert_null(m);
	} else {
		q = pm->owner[p] - 1;
		assert_non_null(m);
		assert_int_equal(m->start, pg_addr(pm, q));
		assert_int_equal(m->last, pg_addr(pm, pm->lastpg[q]) + PG - 1);
		assert_int_equal(m->phys, pm->phys[q]);
	}
	if (!next)
		return;
	/* The first mapping starting at iova or after: a scan of pages. */
	for (q = off ? p + 1 : p; q < pm->pages && pm->owner[q] != q + 1; q++)
		;
	m = mapping_next(t, iova);
	if (q == pm->pages) {
		assert_null(m);
	} else {
		assert_non_null(m);
		assert_int_equal(m->start, pg_addr(pm, q));
	}
}

static void paged_compare(const struct paged *pm, const struct mapping_tree *t)
{
	static struct mapping out[PAGES_MAX];
	unsigned int n, i = 0;
	uint32_t p;

	assert_int_equal(t->count, pm->count);
	n = mapping_list(t, out, PAGES_MAX);
	assert_int_equal(n, pm->count);
	for (p = 0; p < pm->pages; p++) {
		if (pm->owner[p] != p + 1)
			continue;
		assert_true(i < n);
		assert_int_equal(out[i].start, pg_addr(pm, p));
		assert_int_equal(out[i].last,
				 pg_addr(pm, pm->lastpg[p]) + PG - 1);
		assert_int_equal(out[i].phys, pm->phys[p]);
		i++;
	}
	assert_int_equal(i, n);
	check_tree(t);
}

/*
 * @ops random operations on @pages pages, with seed @x; the whole tree
 * checked against the model, AVL invariants included, every @every.
 */
static void paged_run(uint32_t pages, unsigned int ops, unsigned int every,
		      uint64_t x, struct tally *k)
{
	static struct paged pm;
	struct mapping_tree t = { 0 };
	unsigned int op;

	memset(&pm, 0, sizeof(pm));
	pm.pages = pages;
	for (op = 0; op < ops; op++) {
		uint64_t r = rnd(&x), r2 = rnd(&x), phys = rnd(&x) & ~(PG - 1);
		/* Alternate phases of mostly inserts and mostly removals. */
		unsigned int grow = (op / (ops / 8 + 1)) % 2 ? 35 : 90;
		uint32_t s = (uint32_t)(r2 % pages), l, len;
		int64_t got, want;

		if (r % 100 < grow) {
			len = 1 + (uint32_t)(r >> 8) % (r & 0xf000 ? 2 : 32);
			l = len - 1 > pages - 1 - s ? pages - 1 : s + len - 1;
			want = paged_insert(&pm, s, l, phys);
			got = mapping_insert(&t, pg_addr(&pm, s),
					     pg_addr(&pm, l) + PG - 1, phys,
					     MAP_READ);
			assert_int_equal(got, want);
			k->inserted += !got;
			k->refused += !!got;
		} else {
			if (r2 >> 60 < 10 && pm.owner[s]) {
				/* Exactly one that exists, often. */
				s = pm.owner[s] - 1;
				l = pm.lastpg[s];
			} else if (r % 49999 == 0) {
				s = 0;
				l = pages - 1;
			} else {
				len = 1 + (uint32_t)(r >> 8) %
					  (r & 0xf00000 ? 8 : 256);
				l = len - 1 > pages - 1 - s ? pages - 1 :
							      s + len - 1;
			}
			want = paged_remove(&pm, s, l);
			got = mapping_remove_range(&t, pg_addr(&pm, s),
						   pg_addr(&pm, l) + PG - 1);
			assert_int_equal(got, want);
			k->exact += got == 1;
			k->several += got > 1;
			k->nothing += !got;
			k->straddled += got == -ERANGE;
		}
		assert_int_equal(t.count, pm.count);
		assert_true(!t.count == !t.root);
		paged_probe(&pm, &t, rnd(&x), op % 16 == 0);
		paged_probe(&pm, &t, rnd(&x), false);
		if (op % every == every - 1)
			paged_compare(&pm, &t);
	}
	paged_compare(&pm, &t);
	assert_int_equal(mapping_remove_range(&t, pg_addr(&pm, 0), TOP),
			 (int64_t)pm.count);
	assert_null(t.root);
	mapping_clear(&t);
}

/* A small space, crowded: overlaps and straddles all the time. */
static void test_random_each_step(void **state)
{
	struct tally k = { 0 };

	paged_run(256, 20000, 1, 0x243f6a8885a308d3ULL, &k);
	assert_true(k.inserted > 3000 && k.refused > 3000);
	assert_true(k.exact > 1000 && k.several > 300);
	assert_true(k.nothing > 2000 && k.straddled > 200);
}

/* A large one, for deep trees: checked in full every so often. */
static void test_random_large(void **state)
{
	struct tally k = { 0 };

	paged_run(PAGES_MAX, 300000, 20000, 0x13198a2e03707344ULL, &k);
	assert_true(k.inserted > 50000 && k.refused > 20000);
	assert_true(k.exact > 10000 && k.several > 5000);
	assert_true(k.nothing > 20000 && k.straddled > 3000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_insert_reversed),
		cmocka_unit_test(test_adjacent),
		cmocka_unit_test(test_overlap_shapes),
		cmocka_unit_test(test_full_range),
		cmocka_unit_test(test_top_of_space),
		cmocka_unit_test(test_remove_range),
		cmocka_unit_test(test_next),
		cmocka_unit_test(test_list_order),
		cmocka_unit_test(test_sequential_balance),
		cmocka_unit_test(test_remove_one),
		cmocka_unit_test(test_pool),
		cmocka_unit_test(test_random_against_model),
		cmocka_unit_test(test_random_each_step),
		cmocka_unit_test(test_random_large),
	};

	return cmocka_run_group_tests_name("mapping", tests, NULL, NULL);
}
