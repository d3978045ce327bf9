/* SPDX-License-Identifier: GPL-2.0 */
/*
 * iommu/: the built-in virtio-iommu. Devices put behind it get a DMA space
 * that translates every access through their endpoint's domain.
 */
#ifndef IOVM_IOMMU_H
#define IOVM_IOMMU_H

#include <stdio.h>

#include "../kvm/kvm.h"
#include "../virtio/virtio.h"

struct viommu;

/* The virtio-iommu device itself; create it before its endpoints. */
int viommu_create(struct vm *vm, struct viommu **out);
/*
 * Put @vdev behind the IOMMU (virtio_dev_init() calls it through
 * vm->iommu_attach, before the device can run). Its accesses are
 * translated and checked from then on, and it offers
 * VIRTIO_F_ACCESS_PLATFORM so the guest driver uses the DMA API.
 */
int viommu_add_endpoint(struct viommu *v, struct virtio_dev *vdev);
/* Domains, endpoints and their counters, for --debug and later tools. */
void viommu_print_stats(struct viommu *v, FILE *f);

#endif
