/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A VM without KVM holding one virtio-blk disk, optionally behind the
 * virtio-iommu, with this process as its guest driver (and as the guest's
 * IOMMU driver). See bench/blk_rig.c for the guest memory and IOVA layout.
 */
#ifndef IOVM_BENCH_BLK_RIG_H
#define IOVM_BENCH_BLK_RIG_H

#include "../kvm/kvm.h"
#include "../virtio/virtio.h"
#include "blk.h"
#include "iommu_drv.h"
#include "vdrv.h"

enum rig_mode {
	RIG_NO_IOMMU,
	/*
	 * Linux 6.1 with iommu.strict=1: virtio_ring maps every descriptor's
	 * buffer with dma_map_page() and the virtio-iommu driver sends each
	 * MAP synchronously (kick, then spin on the used ring); each unmap is
	 * an UNMAP followed by iotlb_sync, synchronous too.
	 */
	RIG_STRICT,
	/*
	 * Every buffer still mapped before and unmapped after its request,
	 * but all the IOMMU requests of one refill share a kick: what a
	 * batching driver (or one UNMAP per request) costs at best.
	 */
	RIG_BATCHED,
};

struct blk_rig {
	struct vm_config cfg;
	struct vm *vm;
	struct virtio_dev *blk, *iommu;
	struct vdrv bq;
	struct iommu_drv idrv;
	bool behind_iommu;
	bool indirect;			/* VIRTIO_F_INDIRECT_DESC, as Linux uses */
	unsigned int others;		/* other live mappings in the domain */
	struct thread_set threads;	/* iovm's device threads */
};

int blk_rig_init(struct blk_rig *r, const char *path, bool iommu);
/* Keep exactly @n other live mappings in the disk's domain. */
int blk_rig_set_others(struct blk_rig *r, unsigned int n);
int blk_rig_run(struct blk_rig *r, enum rig_mode mode,
		const struct blk_load *l, struct blk_stats *st);
void blk_rig_destroy(struct blk_rig *r);

#endif
