// SPDX-License-Identifier: GPL-2.0
/*
 * The AVL tree behind a domain's mappings. MAP and UNMAP are hot (a guest
 * in strict mode sends a pair per DMA buffer), so each makes one descent
 * that both decides the request and records the links it passed, then
 * retraces upward only while subtree heights change, and takes its node
 * from the tree's pool rather than from malloc(). Lookups run on the
 * translation miss path, several threads at once under a read lock: they
 * never write to the tree.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "mapping.h"

#if defined(__SANITIZE_ADDRESS__)
#define MAPPING_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define MAPPING_ASAN 1
#endif
#endif

/*
 * Under ASan the pool's unused nodes are poisoned, so a use after UNMAP
 * is still caught, as it was when every node went back to free().
 */
#ifdef MAPPING_ASAN
#include <sanitizer/asan_interface.h>
#define POISON(p, n)	ASAN_POISON_MEMORY_REGION(p, n)
#define UNPOISON(p, n)	ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define POISON(p, n)	((void)(p), (void)(n))
#define UNPOISON(p, n)	((void)(p), (void)(n))
#endif

/* ---- the node pool ---- */

struct mapping_chunk {
	struct mapping_chunk *next;
	unsigned int nodes;
	struct mapping node[];
};

/*
 * Each chunk twice the size of the last, up to a cap: a small domain
 * wastes little, a big one makes few calls to malloc(), and the memory
 * kept beyond the peak number of mappings stays within one chunk.
 */
#define CHUNK_FIRST	8
#define CHUNK_MAX	1024	/* 56 KiB, below malloc's mmap threshold */

/* Another chunk, all of it spare; the pool is empty when this is called. */
static struct mapping *pool_grow(struct mapping_tree *t)
{
	unsigned int n = t->chunks ? t->chunks->nodes * 2 : CHUNK_FIRST, i;
	struct mapping_chunk *c;

	if (n > CHUNK_MAX)
		n = CHUNK_MAX;
	c = malloc(sizeof(*c) + n * sizeof(c->node[0]));
	if (!c)
		return NULL;
	c->next = t->chunks;
	c->nodes = n;
	t->chunks = c;
	for (i = 0; i < n; i++) {
		c->node[i].right = i + 1 < n ? &c->node[i + 1] : NULL;
		POISON(&c->node[i], sizeof(c->node[i]));
	}
	t->spare = &c->node[0];
	return t->spare;
}

static struct mapping *node_get(struct mapping_tree *t)
{
	struct mapping *m = t->spare;

	if (!m && !(m = pool_grow(t)))
		return NULL;
	UNPOISON(m, sizeof(*m));
	t->spare = m->right;
	return m;
}

static void node_put(struct mapping_tree *t, struct mapping *m)
{
	m->right = t->spare;
	t->spare = m;
	POISON(m, sizeof(*m));
}

static void pool_release(struct mapping_tree *t)
{
	struct mapping_chunk *c, *next;

	for (c = t->chunks; c; c = next) {
		next = c->next;
		free(c);
	}
	t->chunks = NULL;
	t->spare = NULL;
}

/* ---- the AVL tree ---- */

/*
 * Deep enough for any tree that fits in memory: an AVL tree of height h
 * has at least F(h + 2) - 1 nodes (F: Fibonacci), and from height 84 on
 * that is more 56-byte nodes than a 64-bit address space holds. (A
 * domain's 2^20 mappings make a tree 28 high at most.) A path never holds
 * more links than the tree is high.
 */
#define DEPTH_MAX	96

static int height(const struct mapping *m)
{
	return m ? m->height : 0;
}

static void update(struct mapping *m)
{
	int l = height(m->left), r = height(m->right);

	m->height = (l > r ? l : r) + 1;
}

static struct mapping *rotate_right(struct mapping *m)
{
	struct mapping *l = m->left;

	m->left = l->right;
	l->right = m;
	update(m);
	update(l);
	return l;
}

static struct mapping *rotate_left(struct mapping *m)
{
	struct mapping *r = m->right;

	m->right = r->left;
	r->left = m;
	update(m);
	update(r);
	return r;
}

/*
 * The subtree at *link is out of balance: its children, AVL trees both,
 * differ in height by two. Rotate it back, and say whether its height
 * changed: the stored one is still from before the insert or removal
 * below, and where it is unchanged, nothing above changes either.
 */
static bool rebalance(struct mapping **link)
{
	struct mapping *m = *link;
	int old = m->height;

	if (height(m->left) > height(m->right)) {
		if (height(m->left->left) < height(m->left->right))
			m->left = rotate_left(m->left);
		m = rotate_right(m);
	} else {
		if (height(m->right->right) < height(m->right->left))
			m->right = rotate_right(m->right);
		m = rotate_left(m);
	}
	*link = m;
	return m->height != old;
}

/*
 * The subtree at *path[d + 1] changed height by one, up or down: fix its
 * ancestors *path[d], *path[d - 1], ... for as long as heights change.
 * This runs the whole way up whenever the tree is balanced at every node
 * on the path (as after ascending inserts), so a step reads only what it
 * must: the child's height is carried up, and the sibling's is enough
 * to tell whether the parent stays balanced.
 */
static void retrace(struct mapping **path[], int d)
{
	struct mapping *c = *path[d + 1], *p, *s;
	int h = height(c), hs, nh;

	for (; d >= 0; d--) {
		p = *path[d];
		/* c is one child; this is the other, without a branch. */
		s = (struct mapping *)((uintptr_t)p->left ^
				       (uintptr_t)p->right ^ (uintptr_t)c);
		hs = height(s);
		/* |h - hs| > 1 in one comparison. */
		if ((unsigned int)(h - hs + 1) > 2) {
			if (!rebalance(path[d]))
				return;
			c = *path[d];
			h = c->height;
			continue;
		}
		nh = (h > hs ? h : hs) + 1;
		if (nh == p->height)
			return;
		p->height = nh;
		c = p;
		h = nh;
	}
}

/* The mapping with the greatest start <= iova. */
static struct mapping *floor_of(struct mapping *m, uint64_t iova)
{
	struct mapping *best = NULL;

	while (m) {
		if (m->start <= iova) {
			best = m;
			m = m->right;
		} else {
			m = m->left;
		}
	}
	return best;
}

struct mapping *mapping_find(const struct mapping_tree *t, uint64_t iova)
{
	struct mapping *m = t->root;

	/* Disjoint and ordered by start, so ordered by last as well. */
	while (m) {
		if (iova < m->start)
			m = m->left;
		else if (iova > m->last)
			m = m->right;
		else
			return m;
	}
	return NULL;
}

struct mapping *mapping_next(const struct mapping_tree *t, uint64_t iova)
{
	struct mapping *m = t->root, *best = NULL;

	while (m) {
		if (m->start > iova) {
			best = m;
			m = m->left;
		} else if (m->start < iova) {
			m = m->right;
		} else {
			return m;
		}
	}
	return best;
}

int mapping_insert(struct mapping_tree *t, uint64_t start, uint64_t last,
		   uint64_t phys, uint32_t flags)
{
	struct mapping **path[DEPTH_MAX], **link = &t->root, *m;
	int d = 0;

	if (last < start)
		return -EINVAL;
	/*
	 * Everything left of m ends before m->start, everything right of it
	 * starts after m->last. So a node the new interval misses rules out
	 * one side, and the descent either meets an overlap on its way or
	 * ends at the new node's place, having passed all its neighbours.
	 */
	while ((m = *link)) {
		path[d++] = link;
		if (last < m->start)
			link = &m->left;
		else if (start > m->last)
			link = &m->right;
		else
			return -EEXIST;
	}
	m = node_get(t);
	if (!m)
		return -ENOMEM;
	*m = (struct mapping){
		.start = start, .last = last, .phys = phys, .flags = flags,
		.height = 1,
	};
	*link = m;
	path[d] = link;
	t->count++;
	retrace(path, d - 1);
	return 0;
}

/*
 * Descend towards @key, recording in @path the link to each node passed.
 * Returns the index in @path of the first mapping whose start is >= @key
 * (path[0..index] is its way from the root), or -1 if there is none;
 * *below gets the last mapping whose start is < @key, or NULL. Both are
 * on the way down to @key, so one descent finds them.
 */
static int descend(struct mapping_tree *t, uint64_t key,
		   struct mapping **path[], struct mapping **below)
{
	struct mapping **link = &t->root, *m;
	int d = 0, next = -1;

	*below = NULL;
	while ((m = *link)) {
		path[d] = link;
		if (key < m->start) {
			next = d;
			link = &m->left;
		} else if (key > m->start) {
			*below = m;
			link = &m->right;
		} else {
			return d;
		}
		d++;
	}
	return next;
}

/* Unlink the node at *path[d], whose way from the root is path[0..d]. */
static void unlink_at(struct mapping_tree *t, struct mapping **path[], int d)
{
	struct mapping **link = path[d], *m = *link, *s;
	int i = d;

	if (!m->left || !m->right) {
		*link = m->left ? m->left : m->right;
	} else {
		/* Its successor, leftmost on the right, takes its place. */
		link = &m->right;
		path[++i] = link;
		while ((*link)->left) {
			link = &(*link)->left;
			path[++i] = link;
		}
		s = *link;
		*link = s->right;
		s->left = m->left;
		s->right = m->right;
		s->height = m->height;
		*path[d] = s;
		/* The one link on the path that was inside m. */
		path[d + 1] = &s->right;
	}
	node_put(t, m);
	t->count--;
	/* The subtree at path[i] is one lower: its parent is the first. */
	retrace(path, i - 1);
}

int64_t mapping_remove_range(struct mapping_tree *t, uint64_t start,
			     uint64_t last)
{
	struct mapping **path[DEPTH_MAX], *m, *below;
	int64_t removed = 0;
	bool end;
	int i;

	if (last < start)
		return -EINVAL;
	i = descend(t, start, path, &below);
	/* A mapping straddling either end would be split: refuse it all. */
	if (below && below->last >= start)
		return -ERANGE;
	if (i < 0 || (m = *path[i])->start > last)
		return 0;
	/*
	 * m is the first mapping inside. Ending at last, it is the only one
	 * and nothing straddles last, as m holds it: the usual UNMAP of one
	 * MAP, and the one descent was all it took.
	 */
	if (m->last != last && floor_of(t->root, last)->last > last)
		return -ERANGE;
	for (;;) {
		end = m->last == last;
		unlink_at(t, path, i);
		removed++;
		if (end)
			break;
		i = descend(t, start, path, &below);
		if (i < 0 || (m = *path[i])->start > last)
			break;
	}
	return removed;
}

void mapping_clear(struct mapping_tree *t)
{
	/* Every node, in the tree or spare, lives in a chunk. */
	pool_release(t);
	t->root = NULL;
	t->count = 0;
}

static void list(const struct mapping *m, struct mapping *out,
		 unsigned int max, unsigned int *n)
{
	if (!m || *n == max)
		return;
	list(m->left, out, max, n);
	if (*n < max)
		out[(*n)++] = *m;
	list(m->right, out, max, n);
}

unsigned int mapping_list(const struct mapping_tree *t, struct mapping *out,
			  unsigned int max)
{
	unsigned int n = 0;

	list(t->root, out, max, &n);
	return n;
}
