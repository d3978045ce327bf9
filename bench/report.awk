# The make bench table: every figure with its reference and their ratio
# (value / reference), the ratio in bench/baseline.txt and the change
# since, then the issue's targets. Input: the "result KEY VALUE" lines of
# one run, then the baseline ("KEY VALUE" lines). With -v save=FILE, the
# ratios (and instruction counts) of this run are written there as the
# new baseline.
#
# usage: awk -v save=FILE -f report.awk RESULTS BASELINE

FNR == NR && $1 == "result" { R[$2] = $3 + 0; next }
FNR == NR { next }
/^[a-z]/ { B[$1] = $2 + 0 }

function has(k) { return k in R }
# A result or 0, without creating it (R[k] would: has(k) would then hold).
function res(k) { return (k in R) ? R[k] : 0 }
# Seven characters: 123.4k, 2.07M, 9986.
function si(x) {
	if (x >= 1e6) return sprintf("%6.2fM", x / 1e6)
	if (x >= 1e4) return sprintf("%6.1fk", x / 1e3)
	return sprintf("%6.0f ", x)
}
# fio_value(key): IOPS and MB/s of one fio job's results; fio_ref(key):
# the one that matters, MB/s for large blocks, for the reference column.
function fio_value(k) {
	return sprintf("%s IOPS %6.1f MB/s", si(R[k ".iops"]), R[k ".kibs"] * 1024 / 1e6)
}
function fio_ref(k) {
	if (k ~ /128k/) return sprintf("%.1f MB/s", R[k ".kibs"] * 1024 / 1e6)
	return trim(si(R[k ".iops"])) " IOPS"
}
function trim(s) { gsub(/^ +| +$/, "", s); return s }
function maps_name(n) { return n == 1 ? "1 mapping" : n " mappings" }
function delta(key, v,    b, d) {
	if (!(key in B)) return "       -"
	b = B[key]
	if (b == 0) return "       -"
	d = (v - b) / b * 100
	if (d > -0.5 && d < 0.5) return "      0%"
	return sprintf("%+7.0f%%", d)
}
# row(label, value, reference, key, ratio): one line of the table; the
# ratio goes to the baseline under key.
function row(label, value, ref, key, ratio) {
	printf "  %-40s %-28s %-26s %7.3f %8s %s\n", label, value, ref, ratio,
	       (key in B) ? sprintf("%.3f", B[key]) : "-", delta(key, ratio)
	OUT[key] = ratio
	NOUT++; ORDER[NOUT] = key
}
# count(label, key, n): a row for an instruction count, compared as is.
function count(label, key, n) {
	printf "  %-40s %-28s %-26s %7s %8s %s\n", label,
	       sprintf("%.0f instructions", n), "", "",
	       (key in B) ? sprintf("%.0f", B[key]) : "-", delta(key, n)
	OUT[key] = n
	NOUT++; ORDER[NOUT] = key
}
# header(title, note): starts a section; one without rows says so.
function header(title, note) {
	if (NOUT == section_start && section_open)
		printf "  (not measured in this run: see build/bench/*.err)\n"
	section_start = NOUT; section_open = 1
	printf "\n%s\n", title
	if (note != "") printf "  (%s)\n", note
	if (title ~ /^Targets/) return
	printf "  %-40s %-28s %-26s %7s %8s %8s\n", "figure", "value", "reference",
	       "ratio", "baseline", "change"
}
# fio_target(prefix, mode, min, text): every fio job of one guest in one
# IOMMU mode at min or above its ratio to no IOMMU (from OUT, the table's).
function fio_target(prefix, m, min, text,    j, k, lo, worst, n) {
	lo = 1e9; n = 0
	for (j = 1; j <= njob; j++) {
		k = prefix "." m "." job[j] ".ratio"
		if (!(k in OUT)) continue
		n++
		if (OUT[k] < lo) { lo = OUT[k]; worst = jobname[j] }
	}
	if (n > 0)
		target(lo >= min, sprintf("%s: lowest %.2f (%s)", text, lo, worst))
}
function target(ok, text) {
	printf "  [%s] %s\n", ok ? "PASS" : "FAIL", text
	npass += ok; ntarget++
}

# Figure 3 measures the reference runs twice (before and after the
# others): their mean is the figure.
function merge_ab(base,    k, n, i, keys, suffix, b) {
	n = 0
	for (k in R)
		if (index(k, base "a.") == 1)
			keys[++n] = k
	for (i = 1; i <= n; i++) {
		suffix = substr(keys[i], length(base) + 3)
		b = base "b." suffix
		R[base "." suffix] = (b in R) ? (R[keys[i]] + R[b]) / 2 : R[keys[i]]
	}
}

# Figure 3's table for the results under prefix @p (f3: x86, f3a:
# arm64): boot time against the guest's uptime, each disk pattern against
# the host's run (no IOMMU) or the run without the IOMMU.
function figure3(p, title,    i, j, k, rk, npat, pat, patname) {
	header(title,
	       (R[p ".nested"] ? "nested under QEMU TCG: absolute times say nothing about real hardware; " : "") \
	       "one request at a time, O_DIRECT; reference: the same I/O on the image from the host side, " \
	       "and for the IOMMU runs the run without it")
	for (i = 1; i <= nmode; i++) {
		k = p "." mode[i]
		if (has(k ".boot_ms") && R[k ".uptime_ms"] > 0)
			row("iovm start to guest init, " modename[i],
			    sprintf("%.0f ms", R[k ".boot_ms"]),
			    sprintf("guest uptime: %.0f ms", R[k ".uptime_ms"]),
			    k ".boot.ratio", R[k ".boot_ms"] / R[k ".uptime_ms"])
	}
	npat = split("seqread seqwrite randread randwrite", pat, " ")
	split("sequential read 128K|sequential write 128K|random read 4K|random write 4K", patname, "|")
	for (j = 1; j <= npat; j++) {
		for (i = 1; i <= nmode; i++) {
			k = p "." mode[i] "." pat[j]
			rk = i == 1 ? p ".l1." pat[j] : p ".noiommu." pat[j]
			if (!has(k ".iops") || R[rk ".iops"] <= 0) continue
			row(patname[j] ", " modename[i],
			    sprintf("%s IOPS %6.1f MB/s", si(R[k ".iops"]), R[k ".mbps"]),
			    sprintf("%s: %.1f MB/s", i == 1 ? "host" : "no IOMMU", R[rk ".mbps"]),
			    k ".ratio", R[k ".iops"] / R[rk ".iops"])
		}
	}
}

END {
	# k612p: the same 6.12 guest with iovm's devices on virtio-pci
	# (MSI-X), as QEMU's are; the others use virtio-mmio (a level IRQ).
	nguest = split("k61 k612 k612p", guest, " ")
	split("Linux 6.1, the project's kernel (device tree), virtio-mmio|" \
	      "Linux 6.12, Debian's kernel as it is (ACPI), virtio-mmio|" \
	      "Linux 6.12, Debian's kernel as it is (ACPI), virtio-pci", guestname, "|")
	split("6.1|6.12|6.12 pci", gshort, "|")
	# The same jobs on level 1's image file, for each guest's runs
	# without the IOMMU.
	split("k61 k612 k612", l1ref, " ")
	for (g = 1; g <= nguest; g++) {
		merge_ab("f3.l1." guest[g])
		merge_ab("f3.iovm." guest[g] ".noiommu")
	}
	nmode = split("noiommu strict lazy", mode, " ")
	split("no IOMMU|IOMMU strict|IOMMU lazy", modename, "|")
	njob = split("randread-4k-qd1 randwrite-4k-qd1 randread-4k-qd32 randwrite-4k-qd32 " \
		     "randread-4k-qd32x2 read-128k-qd1 write-128k-qd1", job, " ")
	split("rand read 4K QD1|rand write 4K QD1|rand read 4K QD32|rand write 4K QD32|" \
	      "rand read 4K QD32, 2 jobs|seq read 128K|seq write 128K", jobname, "|")
	npeer = split("qemu kvmtool", peer, " ")
	split("QEMU|kvmtool", peername, "|")
	merge_ab("f3a.l1")
	merge_ab("f3a.noiommu")
	ncfg = split("qd1.4k qd1.128k qd32.4k qd32.128k", cfg, " ")
	split("QD1 4K|QD1 128K|QD32 4K|QD32 128K", cfgname, "|")
	nm = split("1 1000 65536", maps, " ")

	header("Figure 1: iovm's virtio-blk path without KVM vs plain libaio",
	       "random reads from a file in /dev/shm, same depth, size and offsets; " \
	       "ratio = iovm IOPS / libaio IOPS, medians of paired runs; " \
	       "CPU is per request, all threads, with the driver's share")
	for (c = 1; c <= ncfg; c++) {
		p = "f1." cfg[c]
		if (!has(p ".ref.iops")) continue
		ref = sprintf("%s IOPS %6.1f us", si(R[p ".ref.iops"]), R[p ".ref.cpu_us"])
		nv = 0
		if (has(p ".noiommu.iops")) { nv++; vk[nv] = "noiommu"; vn[nv] = "no IOMMU" }
		for (m = 1; m <= nm; m++) {
			nv++; vk[nv] = "strict.m" maps[m]; vn[nv] = "IOMMU strict, " maps_name(maps[m])
			nv++; vk[nv] = "batch.m" maps[m]; vn[nv] = "IOMMU batched, " maps_name(maps[m])
		}
		for (v = 1; v <= nv; v++) {
			k = p "." vk[v]
			if (!has(k ".iops")) continue
			val = sprintf("%s IOPS %6.1f us", si(R[k ".iops"]), R[k ".cpu_us"])
			row(cfgname[c] " " vn[v], val, ref, k ".ratio", R[k ".ratio"])
		}
	}
	printf "  Host CPU time per request: getrusage (all threads) and, \"in iovm\", its device threads;\n"
	printf "  ratio = iovm's device threads / libaio's whole process (the bench's driver thread stands\n"
	printf "  for the guest's vCPU); lower is better, and steadier than IOPS on a busy machine:\n"
	for (c = 1; c <= ncfg; c++) {
		p = "f1." cfg[c]
		for (v = 1; v <= nv; v++) {
			k = p "." vk[v]
			if (!has(k ".cpu_ratio")) continue
			row(cfgname[c] " " vn[v],
			    sprintf("%.1f us/req, %.1f in iovm", R[k ".cpu_us"], R[k ".dev_us"]),
			    sprintf("%.1f us/req", R[p ".ref.cpu_us"]), k ".cpu_ratio",
			    R[k ".cpu_ratio"])
		}
	}

	header("Figure 2: virtio-iommu request handling and translation",
	       "best of several trials; the reference is the issue's target where it names one")
	for (m = 1; m <= nm; m++) {
		k = "f2.pairs.m" maps[m]
		if (has(k))
			row("MAP+UNMAP pairs/s, " maps_name(maps[m]), si(R[k]) "/s",
			    "target 2 M/s", k ".ratio", R[k] / 2e6)
	}
	for (m = 1; m <= nm; m++) {
		k = "f2.warm_ns.m" maps[m]
		if (has(k))
			row("translation, warm, " maps_name(maps[m]),
			    sprintf("%.1f ns", R[k]), "target 20 ns", k ".ratio", R[k] / 20)
	}
	for (m = 1; m <= nm; m++) {
		k = "f2.cold_ns.m" maps[m]; w = "f2.warm_ns.m" maps[m]
		if (has(k) && R[w] > 0)
			row("translation, cold, " maps_name(maps[m]),
			    sprintf("%.1f ns", R[k]), sprintf("warm: %.1f ns", R[w]),
			    k ".ratio", R[k] / R[w])
	}
	if (has("f2.dma_warm_ns") && R["f2.dma_ident_ns"] > 0)
		row("dma_map() 4 KiB through the IOMMU, warm",
		    sprintf("%.1f ns", R["f2.dma_warm_ns"]),
		    sprintf("identity: %.1f ns", R["f2.dma_ident_ns"]),
		    "f2.dma_warm.ratio", R["f2.dma_warm_ns"] / R["f2.dma_ident_ns"])
	d = res("f2.pairs.m1")
	if (has("f2.queue_pairs.m1") && d > 0)
		row("pairs/s via request queue, 64 per kick", si(R["f2.queue_pairs.m1"]) "/s",
		    "direct: " si(d) "/s", "f2.queue_pairs.ratio", R["f2.queue_pairs.m1"] / d)
	if (has("f2.queue_sync_pairs.m1") && d > 0)
		row("pairs/s via request queue, 1 per kick", si(R["f2.queue_sync_pairs.m1"]) "/s",
		    "direct: " si(d) "/s", "f2.queue_sync_pairs.ratio",
		    R["f2.queue_sync_pairs.m1"] / d)

	header("Figure 3: fio in the guest, 2 vCPUs, 512 MiB, O_DIRECT on a virtio-blk disk",
	       (res("f3.nested") ? "nested under QEMU TCG: absolute figures say nothing about real hardware; " : "") \
	       "ratio = IOPS / the same guest's without the IOMMU (the mean of a run before and one after), " \
	       "and for those / the same jobs on the image file from level 1 (buffered); boot: the VMM's " \
	       "start to the guest init's first line, seen by level 1, / the guest's uptime there")
	for (g = 1; g <= nguest; g++) {
		if (!(("f3.iovm." guest[g] ".noiommu.boot_ms") in R)) continue
		printf "  %s\n", guestname[g]
		for (i = 1; i <= nmode; i++) {
			k = "f3.iovm." guest[g] "." mode[i]
			if (res(k ".boot_ms") > 0 && res(k ".uptime_ms") > 0)
				row(gshort[g] " iovm start to init, " modename[i],
				    sprintf("%.0f ms", R[k ".boot_ms"]),
				    sprintf("guest uptime: %.0f ms", R[k ".uptime_ms"]),
				    k ".boot.ratio", R[k ".boot_ms"] / R[k ".uptime_ms"])
		}
		# Before the guest kernel's clock starts: iovm's set-up, then
		# the kernel's own decompression; against the whole boot.
		for (i = 1; i <= nmode; i++) {
			k = "f3.iovm." guest[g] "." mode[i]
			if (res(k ".boot_ms") > 0 && res(k ".uptime_ms") > 0)
				row(gshort[g] " before the guest clock, " modename[i],
				    sprintf("%.0f ms", R[k ".boot_ms"] - R[k ".uptime_ms"]),
				    sprintf("start to init: %.0f ms", R[k ".boot_ms"]),
				    k ".preclock.ratio",
				    (R[k ".boot_ms"] - R[k ".uptime_ms"]) / R[k ".boot_ms"])
		}
		for (j = 1; j <= njob; j++) {
			for (i = 1; i <= nmode; i++) {
				k = "f3.iovm." guest[g] "." mode[i] "." job[j]
				rk = i == 1 ? "f3.l1." l1ref[g] "." job[j] : "f3.iovm." guest[g] ".noiommu." job[j]
				if (has(k ".iops") && res(rk ".iops") > 0)
					row(gshort[g] " " jobname[j] ", " modename[i], fio_value(k),
					    (i == 1 ? "level 1: " : "no IOMMU: ") fio_ref(rk),
					    k ".ratio", R[k ".iops"] / R[rk ".iops"])
			}
		}
		# virtio-blk with one request queue against one per vCPU (the
		# default), both without the IOMMU.
		for (j = 1; j <= njob; j++) {
			k = "f3.iovm." guest[g] ".noiommu1q." job[j]
			rk = "f3.iovm." guest[g] ".noiommu." job[j]
			if (has(k ".iops") && res(rk ".iops") > 0)
				row(gshort[g] " " jobname[j] ", 1 queue", fio_value(k),
				    "per vCPU: " fio_ref(rk), k ".ratio", R[k ".iops"] / R[rk ".iops"])
		}
	}
	if (has("f3.iovm.k61.lazy.boot_ms"))
		printf "  (6.1's virtio-iommu driver has no lazy mode: there iommu.strict=0 runs strict)\n"
	if (has("f3a.noiommu.seqread.iops"))
		figure3("f3a", "Figure 3 on arm64: the arm64 guest, by the arm64 iovm, in the arm64 harness")

	header("Figure 4: iovm's resident memory, guest RAM excluded", "")
	if (has("f4.rss_kib.d8"))
		row("8 disks, idle (stub kernel)", sprintf("%.0f KiB", R["f4.rss_kib.d8"]),
		    "target 16 MiB", "f4.rss.d8.ratio", R["f4.rss_kib.d8"] / 16384)
	if (has("f4.rss_kib.d0") && R["f4.rss_kib.d0"] > 0)
		row("no disks, idle (stub kernel)", sprintf("%.0f KiB", R["f4.rss_kib.d0"]),
		    sprintf("8 disks: %.0f KiB", R["f4.rss_kib.d8"]), "f4.rss.d0.ratio",
		    R["f4.rss_kib.d0"] / R["f4.rss_kib.d8"])
	for (g = 1; g <= nguest; g++)
		for (i = 1; i <= nmode; i++) {
			k = "f3.iovm." guest[g] "." mode[i] ".rss_kib"
			if (res(k) > 0)
				row(gshort[g] " guest busy, 2 disks, " modename[i],
				    sprintf("%.0f KiB", R[k]), "target 16 MiB",
				    "f4.rss.guest." guest[g] "." mode[i] ".ratio", R[k] / 16384)
		}

	header("Figure 5: iovm against the peers, in the same level 1, on Debian's 6.12 (ACPI)",
	       "the same kernel, initramfs and fio jobs; ratio = iovm / the peer: above 1, iovm is " \
	       "ahead for I/O, behind for boot times; QEMU: q35, kvm64, virtio-pci (its virtio-iommu-pci " \
	       "with the IOMMU); kvmtool: given by KVMTOOL=, no IOMMU")
	for (v = 2; v <= nguest; v++)
	for (p = 1; p <= npeer; p++) {
		if (!(res("f3." peer[p] ".k612.noiommu.boot_ms") > 0)) continue
		if (!(res("f3.iovm." guest[v] ".noiommu.boot_ms") > 0)) continue
		printf "  iovm on %s against %s:\n", guest[v] == "k612p" ? "virtio-pci" : "virtio-mmio",
		       peername[p]
		for (i = 1; i <= nmode; i++) {
			k = "f3.iovm." guest[v] "." mode[i]
			pk = "f3." peer[p] ".k612." mode[i]
			if (!has(k ".boot_ms") || !(res(pk ".boot_ms") > 0)) continue
			row("start to guest init, " modename[i], sprintf("%.0f ms", R[k ".boot_ms"]),
			    sprintf("%s: %.0f ms", peername[p], R[pk ".boot_ms"]),
			    "f5." guest[v] "." peer[p] "." mode[i] ".boot.ratio", R[k ".boot_ms"] / R[pk ".boot_ms"])
			# Before the guest kernel's clock starts: the VMM, firmware
			# and the kernel's decompression.
			a = R[k ".boot_ms"] - res(k ".uptime_ms")
			b = R[pk ".boot_ms"] - res(pk ".uptime_ms")
			if (has(k ".uptime_ms") && has(pk ".uptime_ms") && b > 0)
				row("before the guest clock, " modename[i], sprintf("%.0f ms", a),
				    sprintf("%s: %.0f ms", peername[p], b),
				    "f5." guest[v] "." peer[p] "." mode[i] ".preclock.ratio", a / b)
		}
		for (j = 1; j <= njob; j++) {
			for (i = 1; i <= nmode; i++) {
				k = "f3.iovm." guest[v] "." mode[i] "." job[j]
				pk = "f3." peer[p] ".k612." mode[i] "." job[j]
				if (has(k ".iops") && res(pk ".iops") > 0)
					row(jobname[j] ", " modename[i], fio_value(k),
					    peername[p] ": " fio_ref(pk),
					    "f5." guest[v] "." peer[p] "." mode[i] "." job[j] ".ratio",
					    R[k ".iops"] / R[pk ".iops"])
			}
		}
	}
	if (!has("f3.kvmtool.k612.noiommu.boot_ms"))
		printf "  (kvmtool: not measured; it is not in Debian: KVMTOOL=/path/to/lkvm make bench)\n"

	header("Instructions (callgrind): deterministic, the figures to compare between runs",
	       "user space only (system calls are not counted); lower is better; " \
	       "iovm = its device threads, driver = the bench acting as the guest")
	for (m = 1; m <= nm; m++) {
		k = "cg.f2.pair.m" maps[m]
		if (has(k)) count("per MAP+UNMAP pair, " maps_name(maps[m]), k, R[k])
	}
	for (m = 1; m <= nm; m++) {
		k = "cg.f2.warm.m" maps[m]
		if (has(k)) count("per warm translation, " maps_name(maps[m]), k, R[k])
	}
	for (m = 1; m <= nm; m++) {
		k = "cg.f2.cold.m" maps[m]
		if (has(k)) count("per cold translation, " maps_name(maps[m]), k, R[k])
	}
	if (has("cg.f2.dma_warm"))
		count("per dma_map() through the IOMMU, warm", "cg.f2.dma_warm",
		      R["cg.f2.dma_warm"])
	if (has("cg.f2.dma_ident"))
		count("per dma_map(), identity", "cg.f2.dma_ident", R["cg.f2.dma_ident"])
	nv2 = split("noiommu strict.m1 batch.m1 strict.m65536 batch.m65536", cv, " ")
	split("no IOMMU|strict 1|batched 1|strict 65536|batched 65536", cvn, "|")
	for (v = 1; v <= nv2; v++) {
		k = "cg.f1.qd32.4k." cv[v]
		if (!has(k ".dev_ir")) continue
		count("QD32 4K request, iovm, " cvn[v], k ".dev_ir", R[k ".dev_ir"])
		count("QD32 4K request, driver, " cvn[v], k ".drv_ir", R[k ".drv_ir"])
	}

	header("Targets (issues 6 and 15)", "")
	k = "f1.qd32.4k.noiommu.ratio"
	if (has(k))
		target(R[k] >= 0.9, sprintf("no IOMMU, QD32 4K: >= 90%% of libaio IOPS: %.0f%% (iovm's CPU per request %.1fx libaio's)",
		       R[k] * 100, R["f1.qd32.4k.noiommu.cpu_ratio"]))
	for (s = 1; s <= 2; s++) {
		var = s == 1 ? "strict" : "batch"
		if (!has("f1.qd32.4k." var ".m1.ratio")) continue
		lo = 1e9; hi = 0; txt = ""
		for (m = 1; m <= nm; m++) {
			x = R["f1.qd32.4k." var ".m" maps[m] ".ratio"]
			txt = txt sprintf("%s%.0f%% (%s)", m > 1 ? ", " : "", x * 100, maps[m])
			if (x < lo) lo = x
			if (x > hi) hi = x
		}
		target(lo >= 0.85, sprintf("IOMMU %s map/unmap, QD32 4K: >= 85%% of libaio IOPS: %s",
		       var == "strict" ? "strict (Linux 6.1)" : "batched", txt))
		a = R["cg.f1.qd32.4k." var ".m1.dev_ir"]
		b = R["cg.f1.qd32.4k." var ".m65536.dev_ir"]
		txt = a > 0 && b > 0 ? sprintf("; iovm's instructions per request %+.0f%% from 1 to 65,536 (callgrind)",
					       (b / a - 1) * 100) : ""
		target(lo > 0 && hi / lo - 1 <= 0.05,
		       sprintf("  ... flat from 1 to 65,536 mappings (within 5%%): IOPS ratios spread %.0f%%%s",
			       lo > 0 ? (hi / lo - 1) * 100 : 999, txt))
	}
	if (has("f2.warm_ns.m1")) {
		w = 0
		for (m = 1; m <= nm; m++) if (R["f2.warm_ns.m" maps[m]] > w) w = R["f2.warm_ns.m" maps[m]]
		target(w < 20, sprintf("translation with a warm IOTLB < 20 ns: %.1f ns at worst%s", w,
		       has("cg.f2.warm.m1") ? sprintf(" (%.0f instructions)", R["cg.f2.warm.m1"]) : ""))
	}
	if (has("f2.pairs.m1")) {
		lo = 1e12
		for (m = 1; m <= nm; m++) if (R["f2.pairs.m" maps[m]] < lo) lo = R["f2.pairs.m" maps[m]]
		target(lo >= 2e6, sprintf(">= 2 M MAP+UNMAP pairs/s on one core: %s/s with 1 mapping, %s/s at worst",
		       trim(si(R["f2.pairs.m1"])), trim(si(lo))))
	}
	if (has("f4.rss_kib.d8"))
		target(R["f4.rss_kib.d8"] < 16384, sprintf("iovm's RSS < 16 MiB with 8 disks: %.1f MiB",
		       R["f4.rss_kib.d8"] / 1024))
	# Issue 15: what the guest feels.
	for (v = 2; v <= nguest; v++) {
		t = guest[v] == "k612p" ? "6.12 guest on virtio-pci" : "6.12 guest on virtio-mmio"
		fio_target("f3.iovm." guest[v], "strict", 0.85, t ", IOMMU strict >= 0.85x no IOMMU on every fio row")
		fio_target("f3.iovm." guest[v], "lazy", 0.95, t ", IOMMU lazy >= 0.95x no IOMMU on every fio row")
	}
	a = "f3.iovm.k61.strict.read-128k-qd1.ratio"; b = "f3.iovm.k61.strict.write-128k-qd1.ratio"
	if ((a in OUT) && (b in OUT)) {
		a = OUT[a]; b = OUT[b]
		target(a >= 0.5 && b >= 0.5,
		       sprintf("6.1 guest, sequential 128K, IOMMU strict >= 0.5x no IOMMU: read %.2f, write %.2f", a, b))
	}
	for (v = 2; v <= nguest; v++) {
		lo = 1e9; txt = ""; n = 0
		for (i = 2; i <= nmode; i++)
			for (j = 1; j <= njob; j++) {
				k = "f5." guest[v] ".qemu." mode[i] "." job[j] ".ratio"
				if (!(k in OUT)) continue
				n++
				if (OUT[k] < lo) { lo = OUT[k]; txt = jobname[j] ", " modename[i] }
			}
		if (n > 0)
			target(lo > 1, sprintf("iovm on %s ahead of QEMU on every fio row with the IOMMU on: lowest iovm/QEMU %.2f (%s)",
			       guest[v] == "k612p" ? "virtio-pci" : "virtio-mmio", lo, txt))
	}
	if ("f5.k612.kvmtool.noiommu.boot.ratio" in OUT)
		target(OUT["f5.k612.kvmtool.noiommu.boot.ratio"] <= 0.7,
		       sprintf("boot to guest init <= 0.7x kvmtool's: %.2f", OUT["f5.k612.kvmtool.noiommu.boot.ratio"]))
	printf "  %d of %d targets hold\n", npass, ntarget

	if (save != "") {
		printf "# bench/baseline.txt: the ratios (value / reference) of one make bench\n" > save
		printf "# run, and its instruction counts; make bench prints the change\n" > save
		printf "# against these. Refresh: BENCH_SAVE_BASELINE=1 make bench.\n" > save
		if (note != "") printf "# %s\n", note > save
		for (i = 1; i <= NOUT; i++)
			printf "%s %.6g\n", ORDER[i], OUT[ORDER[i]] > save
		printf "\nbaseline written to %s\n", save
	}
}
