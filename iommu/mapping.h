/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A domain's mappings: non-overlapping IOVA intervals [start, last] (both
 * inclusive, so a mapping may end at 2^64 - 1), in an AVL tree keyed by
 * start. Lookup, insert and remove are O(log n).
 *
 * Nodes come from a pool of the tree's own, so that MAP and UNMAP need no
 * malloc() and free(): a removed mapping's node waits there for the next
 * insert, and the pool grows only with the tree's peak size. Emptying the
 * tree keeps the pool (a strict-mode domain empties after every request
 * at queue depth 1); mapping_clear() releases it all.
 */
#ifndef IOVM_IOMMU_MAPPING_H
#define IOVM_IOMMU_MAPPING_H

#include <stdbool.h>
#include <stdint.h>

#define MAP_READ	1
#define MAP_WRITE	2
#define MAP_MMIO	4

struct mapping {
	uint64_t start, last;	/* IOVA interval, inclusive */
	uint64_t phys;		/* guest-physical address of start */
	uint32_t flags;		/* MAP_READ | MAP_WRITE | MAP_MMIO */
	struct mapping *left, *right;
	int height;
};

struct mapping_chunk;

struct mapping_tree {
	struct mapping *root;
	uint64_t count;
	struct mapping *spare;		/* unused nodes, linked by ->right */
	struct mapping_chunk *chunks;	/* all the pool's memory */
};

/* The mapping that contains @iova, or NULL. */
struct mapping *mapping_find(const struct mapping_tree *t, uint64_t iova);
/* The first mapping whose start is >= @iova, or NULL. */
struct mapping *mapping_next(const struct mapping_tree *t, uint64_t iova);
/* Insert [start, last] -> phys; -EEXIST if it overlaps, -ENOMEM. */
int mapping_insert(struct mapping_tree *t, uint64_t start, uint64_t last,
		   uint64_t phys, uint32_t flags);
/*
 * Remove every mapping inside [start, last]. If one straddles either end,
 * nothing is removed and -ERANGE is returned. Returns the number removed.
 */
int64_t mapping_remove_range(struct mapping_tree *t, uint64_t start,
			     uint64_t last);
void mapping_clear(struct mapping_tree *t);
/* Fill up to @max mappings in IOVA order into @out; returns the count. */
unsigned int mapping_list(const struct mapping_tree *t, struct mapping *out,
			  unsigned int max);

#endif
