// SPDX-License-Identifier: GPL-2.0
#include <errno.h>
#include <stdlib.h>

#include "mapping.h"

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

static struct mapping *rebalance(struct mapping *m)
{
	int balance;

	update(m);
	balance = height(m->left) - height(m->right);
	if (balance > 1) {
		if (height(m->left->left) < height(m->left->right))
			m->left = rotate_left(m->left);
		return rotate_right(m);
	}
	if (balance < -1) {
		if (height(m->right->right) < height(m->right->left))
			m->right = rotate_right(m->right);
		return rotate_left(m);
	}
	return m;
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
	struct mapping *m = floor_of(t->root, iova);

	return m && iova <= m->last ? m : NULL;
}

struct mapping *mapping_next(const struct mapping_tree *t, uint64_t iova)
{
	struct mapping *m = t->root, *best = NULL;

	while (m) {
		if (m->start >= iova) {
			best = m;
			m = m->left;
		} else {
			m = m->right;
		}
	}
	return best;
}

static struct mapping *insert(struct mapping *root, struct mapping *n)
{
	if (!root)
		return n;
	if (n->start < root->start)
		root->left = insert(root->left, n);
	else
		root->right = insert(root->right, n);
	return rebalance(root);
}

int mapping_insert(struct mapping_tree *t, uint64_t start, uint64_t last,
		   uint64_t phys, uint32_t flags)
{
	struct mapping *m, *next;

	if (last < start)
		return -EINVAL;
	/* Overlap: the floor of last reaches into us, or starts inside us. */
	m = floor_of(t->root, last);
	if (m && m->last >= start)
		return -EEXIST;
	next = mapping_next(t, start);
	if (next && next->start <= last)
		return -EEXIST;
	m = calloc(1, sizeof(*m));
	if (!m)
		return -ENOMEM;
	m->start = start;
	m->last = last;
	m->phys = phys;
	m->flags = flags;
	m->height = 1;
	t->root = insert(t->root, m);
	t->count++;
	return 0;
}

static struct mapping *remove_min(struct mapping *m, struct mapping **min)
{
	if (!m->left) {
		*min = m;
		return m->right;
	}
	m->left = remove_min(m->left, min);
	return rebalance(m);
}

/* Unlink the node whose start is @start (it exists) and free it. */
static struct mapping *remove_node(struct mapping *m, uint64_t start)
{
	struct mapping *l, *r, *min;

	if (start < m->start) {
		m->left = remove_node(m->left, start);
		return rebalance(m);
	}
	if (start > m->start) {
		m->right = remove_node(m->right, start);
		return rebalance(m);
	}
	l = m->left;
	r = m->right;
	free(m);
	if (!r)
		return l;
	r = remove_min(r, &min);
	min->right = r;
	min->left = l;
	return rebalance(min);
}

int64_t mapping_remove_range(struct mapping_tree *t, uint64_t start,
			     uint64_t last)
{
	struct mapping *m;
	int64_t removed = 0;

	if (last < start)
		return -EINVAL;
	/* A mapping straddling either end would be split: refuse it all. */
	m = mapping_find(t, start);
	if (m && m->start < start)
		return -ERANGE;
	m = mapping_find(t, last);
	if (m && m->last > last)
		return -ERANGE;
	for (;;) {
		m = mapping_next(t, start);
		if (!m || m->start > last)
			break;
		t->root = remove_node(t->root, m->start);
		t->count--;
		removed++;
	}
	return removed;
}

static void free_all(struct mapping *m)
{
	if (!m)
		return;
	free_all(m->left);
	free_all(m->right);
	free(m);
}

void mapping_clear(struct mapping_tree *t)
{
	free_all(t->root);
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
