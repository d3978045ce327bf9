// SPDX-License-Identifier: GPL-2.0
/*
 * The virtio-iommu device (virtio 1.2, 5.13): the request queue carries
 * ATTACH/DETACH/MAP/UNMAP/PROBE to the model in iommu/state.h, and the
 * event queue carries faults back. Its own ring and buffer accesses are
 * not translated (it is not behind itself).
 */
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "../log.h"
#include "iommu.h"
#include "state.h"

#define REQUEST_Q		0
#define EVENT_Q			1
#define VIOMMU_QUEUE_SIZE	256
#define VIOMMU_REQ_MAX		128	/* largest request body we read */
#define VIOMMU_OUT_MAX		(VIOMMU_PROBE_SIZE + 4)

struct virtio_iommu_config {
	uint64_t page_size_mask;
	uint64_t input_start, input_end;
	uint32_t domain_start, domain_end;
	uint32_t probe_size;
	uint8_t bypass;
	uint8_t reserved[3];
} __attribute__((packed));

#define CONFIG_BYPASS_OFFSET	offsetof(struct virtio_iommu_config, bypass)

struct virtio_iommu_fault {
	uint8_t reason;
	uint8_t reserved[3];
	uint32_t flags;
	uint32_t endpoint;
	uint8_t reserved2[4];
	uint64_t address;
} __attribute__((packed));

struct viommu {
	struct virtio_dev vdev;
	struct viommu_state st;
	struct virtio_iommu_config config;
	struct vq_chain chain;
	int fault_efd;
	bool fault_pending;		/* one popped fault awaiting a buffer */
	struct viommu_fault pending;
	uint64_t events_sent;
	bool list_ranges;		/* stat iommu: show the first ranges */
};

/* Copy @len bytes from the chain's readable buffers, from the start. */
static size_t gather(const struct dma_space *dma, const struct vq_chain *c,
		     uint8_t *buf, size_t max)
{
	size_t done = 0;
	unsigned int i;

	for (i = 0; i < c->nr_readable && done < max; i++) {
		size_t n = c->buf[i].len < max - done ? c->buf[i].len :
							max - done;

		if (dma_read(dma, c->buf[i].addr, buf + done, n))
			break;
		done += n;
	}
	return done;
}

/* Write @len bytes over the chain's writable buffers, in order. */
static int scatter(const struct dma_space *dma, const struct vq_chain *c,
		   const uint8_t *buf, size_t len)
{
	size_t done = 0;
	unsigned int i;

	for (i = c->nr_readable; i < c->nr && done < len; i++) {
		size_t n = c->buf[i].len < len - done ? c->buf[i].len :
							len - done;

		if (dma_write(dma, c->buf[i].addr, buf + done, n))
			return -EFAULT;
		done += n;
	}
	return done == len ? 0 : -EFAULT;
}

/* One line per request for --trace iommu, decoded from our copy. */
static void trace_request(const uint8_t *in, size_t len, uint8_t status)
{
	static const char *const names[] = { "?", "ATTACH", "DETACH", "MAP",
					     "UNMAP", "PROBE" };
	uint32_t a = 0, b = 0, flags = 0;
	uint64_t start = 0, end = 0, phys = 0;
	uint8_t type = len ? in[0] : 0;

	if (len >= 12)
		memcpy(&a, in + 4, 4);
	if (type == VIRTIO_IOMMU_T_MAP && len >= 36) {
		memcpy(&start, in + 8, 8);
		memcpy(&end, in + 16, 8);
		memcpy(&phys, in + 24, 8);
		memcpy(&flags, in + 32, 4);
		pr_trace(TRACE_IOMMU, "iommu: MAP domain %u iova 0x%llx-0x%llx -> 0x%llx flags 0x%x: status %u",
			 a, (unsigned long long)start, (unsigned long long)end,
			 (unsigned long long)phys, flags, status);
	} else if (type == VIRTIO_IOMMU_T_UNMAP && len >= 24) {
		memcpy(&start, in + 8, 8);
		memcpy(&end, in + 16, 8);
		pr_trace(TRACE_IOMMU, "iommu: UNMAP domain %u iova 0x%llx-0x%llx: status %u",
			 a, (unsigned long long)start, (unsigned long long)end,
			 status);
	} else if ((type == VIRTIO_IOMMU_T_ATTACH ||
		    type == VIRTIO_IOMMU_T_DETACH) && len >= 12) {
		memcpy(&b, in + 8, 4);
		pr_trace(TRACE_IOMMU, "iommu: %s domain %u endpoint %u: status %u",
			 names[type], a, b, status);
	} else if (type == VIRTIO_IOMMU_T_PROBE && len >= 8) {
		pr_trace(TRACE_IOMMU, "iommu: PROBE endpoint %u: status %u", a,
			 status);
	} else {
		pr_trace(TRACE_IOMMU, "iommu: request type %u (%zu bytes): status %u",
			 type, len, status);
	}
}

static void handle_request(struct viommu *v)
{
	uint8_t in[VIOMMU_REQ_MAX], out[VIOMMU_OUT_MAX];
	const struct vq_chain *c = &v->chain;
	size_t in_len, out_len = c->writable_len;
	uint8_t status;

	if (out_len < 4) {
		/* No room for a status: nothing to tell the driver. */
		virtio_complete(&v->vdev, &v->vdev.vqs[REQUEST_Q], c->head, 0);
		return;
	}
	in_len = gather(&v->vdev.dma, c, in, sizeof(in));
	if (out_len > sizeof(out)) {
		/* Larger than any request needs: answer in the last 4 bytes. */
		uint8_t tail[4] = { VIRTIO_IOMMU_S_INVAL };
		const struct vq_buf *last = &c->buf[c->nr - 1];

		if (last->len >= 4)
			dma_write(&v->vdev.dma, last->addr + last->len - 4,
				  tail, 4);
		virtio_complete(&v->vdev, &v->vdev.vqs[REQUEST_Q], c->head,
				(uint32_t)out_len);
		return;
	}
	memset(out, 0, out_len);
	status = viommu_request(&v->st, in, in_len, out, out_len);
	if (log_trace_mask & TRACE_IOMMU)
		trace_request(in, in_len, status);
	if (scatter(&v->vdev.dma, c, out, out_len))
		out_len = 0;
	virtio_complete(&v->vdev, &v->vdev.vqs[REQUEST_Q], c->head,
			(uint32_t)out_len);
}

static void process_requests(struct viommu *v)
{
	struct virtqueue *vq = &v->vdev.vqs[REQUEST_Q];

	while (virtio_next_chain(&v->vdev, vq, &v->chain))
		handle_request(v);
}

/* Deliver queued faults into buffers the driver posted on the event queue. */
static void deliver_faults(struct viommu *v)
{
	struct virtqueue *vq = &v->vdev.vqs[EVENT_Q];

	if (!(v->vdev.status & VIRTIO_STATUS_DRIVER_OK) || !vq->ready)
		return;
	for (;;) {
		struct virtio_iommu_fault ev = { 0 };

		if (!v->fault_pending) {
			if (!viommu_fault_pop(&v->st, &v->pending))
				return;
			v->fault_pending = true;
		}
		/* No buffer: the fault waits for the driver to post one. */
		if (!virtio_next_chain(&v->vdev, vq, &v->chain))
			return;
		ev.reason = v->pending.reason;
		ev.flags = v->pending.flags;
		ev.endpoint = v->pending.endpoint;
		ev.address = v->pending.address;
		v->fault_pending = false;
		if (v->chain.writable_len < sizeof(ev) ||
		    scatter(&v->vdev.dma, &v->chain, (uint8_t *)&ev,
			    sizeof(ev))) {
			virtio_complete(&v->vdev, vq, v->chain.head, 0);
			continue;
		}
		v->events_sent++;
		virtio_complete(&v->vdev, vq, v->chain.head, sizeof(ev));
	}
}

static void viommu_queue_notify(struct virtio_dev *vdev, unsigned int q)
{
	struct viommu *v = vdev->priv;

	if (q == REQUEST_Q)
		process_requests(v);
	else
		deliver_faults(v);
}

/* Device threads found a fault: wake the IOMMU's thread to report it. */
static void fault_notify(void *opaque)
{
	struct viommu *v = opaque;
	uint64_t one = 1;

	if (write(v->fault_efd, &one, sizeof(one)) < 0)
		pr_debug("iommu: fault eventfd: %s", strerror(errno));
}

static void on_fault(void *opaque)
{
	struct viommu *v = opaque;
	uint64_t n;

	if (read(v->fault_efd, &n, sizeof(n)) < 0)
		return;
	pthread_mutex_lock(&v->vdev.lock);
	deliver_faults(v);
	pthread_mutex_unlock(&v->vdev.lock);
}

static int viommu_activate(struct virtio_dev *vdev)
{
	struct viommu *v = vdev->priv;

	srw_write_lock(&v->st.lock);
	v->st.allow_mmio = virtio_has_feature(vdev, VIRTIO_IOMMU_F_MMIO);
	v->st.allow_bypass_flag = virtio_has_feature(vdev,
						VIRTIO_IOMMU_F_BYPASS_CONFIG);
	v->st.bypass = v->st.allow_bypass_flag && v->config.bypass;
	srw_unlock(&v->st.lock);
	return 0;
}

static void viommu_reset(struct virtio_dev *vdev)
{
	struct viommu *v = vdev->priv;

	viommu_state_reset(&v->st);
	v->config.bypass = 0;
	v->fault_pending = false;
}

static void viommu_config_write(struct virtio_dev *vdev, uint32_t offset,
				const uint8_t *data, uint32_t len)
{
	struct viommu *v = vdev->priv;

	/* Only `bypass` is writable, and only with BYPASS_CONFIG. */
	if (offset != CONFIG_BYPASS_OFFSET || len != 1 ||
	    !virtio_has_feature(vdev, VIRTIO_IOMMU_F_BYPASS_CONFIG))
		return;
	v->config.bypass = data[0] ? 1 : 0;
	srw_write_lock(&v->st.lock);
	v->st.bypass = v->config.bypass;
	srw_unlock(&v->st.lock);
}

static const struct virtio_dev_ops viommu_ops = {
	.queue_notify = viommu_queue_notify,
	.activate = viommu_activate,
	.reset = viommu_reset,
	.config_write = viommu_config_write,
};

static int attach_hook(void *iommu, void *vdev)
{
	return viommu_add_endpoint(iommu, vdev);
}

/* `iovm stat NAME --iommu`, live: with the first mappings of each domain. */
static void stat_hook(void *iommu, FILE *f)
{
	struct viommu *v = iommu;

	v->list_ranges = true;
	viommu_print_stats(v, f);
	v->list_ranges = false;
}

static int report_hook(void *iommu, uint32_t id, struct vm_iommu_report *r)
{
	struct viommu *v = iommu;
	struct viommu_fault f[VIOMMU_FAULT_LOG];
	struct viommu_endpoint *ep;
	unsigned int i, nr = VIOMMU_FAULT_LOG;
	int err = viommu_faults_recent(&v->st, id, &r->faults, f, &nr);

	if (err)
		return err;
	ep = viommu_endpoint_get(&v->st, id);
	r->holds = viommu_holds(ep);
	r->holds_waited = atomic_load(&ep->holds_waited);
	r->nr = nr < VM_FAULTS_SHOWN ? nr : VM_FAULTS_SHOWN;
	for (i = 0; i < r->nr; i++) {
		r->recent[i].address = f[nr - r->nr + i].address;
		r->recent[i].flags = f[nr - r->nr + i].flags;
		r->recent[i].reason = f[nr - r->nr + i].reason;
	}
	return 0;
}

/* Long enough for a guest under load to send its UNMAP. */
#define VIOMMU_GATE_MS	10000

static void gate_hook(void *iommu, uint32_t id)
{
	struct viommu *v = iommu;

	viommu_gate_arm(&v->st, id, VIOMMU_GATE_MS);
}

int viommu_create(struct vm *vm, struct viommu **out)
{
	struct viommu *v = calloc(1, sizeof(*v));
	int err;

	if (!v)
		return -ENOMEM;
	viommu_state_init(&v->st);
	v->st.fault_notify = fault_notify;
	v->st.fault_opaque = v;
	v->fault_efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (v->fault_efd < 0)
		return -errno;

	/* Any power-of-two size from 4 KiB up: mappings are stored whole. */
	v->config.page_size_mask = ~(VIOMMU_PAGE_SIZE - 1);
	v->config.input_start = VIOMMU_INPUT_START;
	v->config.input_end = VIOMMU_INPUT_END;
	v->config.domain_start = VIOMMU_DOMAIN_FIRST;
	v->config.domain_end = VIOMMU_DOMAIN_LAST;
	v->config.probe_size = VIOMMU_PROBE_SIZE;
	v->config.bypass = 0;		/* unattached endpoints are denied */

	v->vdev.name = "iommu";
	v->vdev.device_id = VIRTIO_ID_IOMMU;
	v->vdev.host_features = BIT_ULL(VIRTIO_IOMMU_F_INPUT_RANGE) |
		BIT_ULL(VIRTIO_IOMMU_F_DOMAIN_RANGE) |
		BIT_ULL(VIRTIO_IOMMU_F_MAP_UNMAP) |
		BIT_ULL(VIRTIO_IOMMU_F_PROBE) | BIT_ULL(VIRTIO_IOMMU_F_MMIO) |
		BIT_ULL(VIRTIO_IOMMU_F_BYPASS_CONFIG) |
		BIT_ULL(VIRTIO_F_INDIRECT_DESC) | BIT_ULL(VIRTIO_F_EVENT_IDX);
	v->vdev.config = (uint8_t *)&v->config;
	v->vdev.config_size = sizeof(v->config);
	v->vdev.nr_queues = 2;
	v->vdev.queue_max = VIOMMU_QUEUE_SIZE;
	v->vdev.ops = &viommu_ops;
	v->vdev.priv = v;
	v->vdev.iommu_endpoint = -1;
	/*
	 * Linux sends every MAP (and, strict, every UNMAP) on its own and
	 * spins until it completes: handle requests on the vCPU that kicked,
	 * not through a wake-up of the device thread and back. Faults still
	 * go out from the device thread.
	 */
	v->vdev.inline_notify = 1U << REQUEST_Q;

	err = virtio_mmio_init(vm, &v->vdev);
	if (!err)
		err = io_loop_add(v->vdev.loop, v->fault_efd, on_fault, v);
	if (err)
		return err;
	vm->iommu = v;
	vm->iommu_attach = attach_hook;
	vm->iommu_stat = stat_hook;
	vm->iommu_report = report_hook;
	vm->iommu_gate = gate_hook;
	*out = v;
	return 0;
}

int viommu_add_endpoint(struct viommu *v, struct virtio_dev *vdev)
{
	/* A PCI function comes with its ID (its requester ID's); others not. */
	int id = vdev->iommu_endpoint > 0 ?
		 viommu_state_add_endpoint_id(&v->st, vdev->name,
					      (uint32_t)vdev->iommu_endpoint) :
		 viommu_state_add_endpoint(&v->st, vdev->name);
	struct viommu_endpoint *ep;

	if (id < 0) {
		if (id == -ENOSPC)
			pr_err("%s: no room behind the virtio-iommu (at most %d endpoints)",
			       vdev->name, VIOMMU_MAX_ENDPOINTS - 1);
		else
			pr_err("%s: cannot be endpoint %d of the virtio-iommu: %s",
			       vdev->name, vdev->iommu_endpoint, strerror(-id));
		return id;
	}
	ep = viommu_endpoint_get(&v->st, (uint32_t)id);
	vdev->dma.mem = v->vdev.dma.mem ? v->vdev.dma.mem : vdev->dma.mem;
	vdev->dma.translate = viommu_translate;
	vdev->dma.hold = viommu_hold;
	vdev->dma.record = viommu_record;
	vdev->dma.release = viommu_release;
	vdev->dma.gate = viommu_gate;
	vdev->dma.view = viommu_view;
	vdev->dma.opaque = ep;
	/* What PROBE tells the guest: messages there are not translated. */
	vdev->dma.msi_base = VIOMMU_MSI_START;
	vdev->dma.msi_size = VIOMMU_MSI_END - VIOMMU_MSI_START + 1;
	vdev->iommu_endpoint = id;
	vdev->host_features |= BIT_ULL(VIRTIO_F_ACCESS_PLATFORM);
	return 0;
}

static void print_counters(FILE *f, bool maps,
			   const struct viommu_counters *c,
			   uint64_t translations)
{
	if (maps)
		fprintf(f, "maps %llu unmaps %llu ",
			(unsigned long long)atomic_load(&c->maps),
			(unsigned long long)atomic_load(&c->unmaps));
	fprintf(f, "translations %llu faults %llu",
		(unsigned long long)translations,
		(unsigned long long)atomic_load(&c->faults));
	if (atomic_load(&c->faults))
		fprintf(f, " (last at 0x%llx)",
			(unsigned long long)__atomic_load_n(&c->last_fault_addr,
							    __ATOMIC_RELAXED));
}

#define STAT_RANGES	8	/* mappings listed per domain */

static void print_ranges(FILE *f, const struct viommu_domain *d)
{
	struct mapping m[STAT_RANGES];
	unsigned int i, n = mapping_list(&d->maps, m, STAT_RANGES);

	for (i = 0; i < n; i++)
		fprintf(f, "iovm: iommu:   iova 0x%llx-0x%llx -> gpa 0x%llx %s%s%s\n",
			(unsigned long long)m[i].start,
			(unsigned long long)m[i].last,
			(unsigned long long)m[i].phys,
			m[i].flags & MAP_READ ? "r" : "-",
			m[i].flags & MAP_WRITE ? "w" : "-",
			m[i].flags & MAP_MMIO ? " mmio" : "");
	if (d->maps.count > n)
		fprintf(f, "iovm: iommu:   ... and %llu more\n",
			(unsigned long long)(d->maps.count - n));
}

void viommu_print_stats(struct viommu *v, FILE *f)
{
	struct viommu_state *s = &v->st;
	unsigned int i;

	srw_read_lock(&s->lock);
	fprintf(f, "iovm: iommu: total maps %llu unmaps %llu, fault events sent %llu, dropped %llu\n",
		(unsigned long long)s->total_maps,
		(unsigned long long)s->total_unmaps,
		(unsigned long long)v->events_sent,
		(unsigned long long)s->faults_dropped);
	for (i = VIOMMU_DOMAIN_FIRST; i <= VIOMMU_DOMAIN_LAST; i++) {
		struct viommu_domain *d = s->domains[i];

		if (!d)
			continue;
		fprintf(f, "iovm: iommu: domain %u:%s endpoints %u, live mappings %llu, ",
			d->id, d->bypass ? " bypass," : "", d->nr_endpoints,
			(unsigned long long)d->maps.count);
		print_counters(f, true, &d->stats,
			       viommu_domain_translations(s, d));
		fputc('\n', f);
		if (v->list_ranges)
			print_ranges(f, d);
	}
	for (i = 1; i <= s->nr_endpoints; i++) {
		struct viommu_endpoint *ep = &s->endpoints[i];

		fprintf(f, "iovm: iommu: endpoint %u (%s): ", ep->id, ep->name);
		if (ep->domain)
			fprintf(f, "domain %u, ", ep->domain->id);
		else
			fprintf(f, "not attached, ");
		print_counters(f, false, &ep->stats,
			       viommu_ep_translations(ep));
		fprintf(f, ", iotlb hits %llu misses %llu",
			(unsigned long long)atomic_load(&ep->iotlb.hits),
			(unsigned long long)atomic_load(&ep->iotlb.misses));
		fputc('\n', f);
	}
	srw_unlock(&s->lock);
}
