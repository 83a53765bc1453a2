/* vmlab.h: the public API of libvmlab, a model of x86-64 paging and the Linux memory manager.
 *
 *   base.h     version, errors (vml_strerror), diagnostics, page sizes, size parsing
 *   phys.h     simulated physical memory: NUMA nodes, zones, buddy allocator
 *   pgtable.h  x86-64 page tables in simulated frames
 *   cpu.h      CPU models: TLB geometry, page-walk caches, cost model, presets
 *   mmu.h      translation: TLBs, page-walk caches, the walk, faults
 *   proc.h     /proc records and the kernel's text formats for them
 *   sim.h      the simulated kernel: processes, mmap, faults, fork, files, its /proc
 *   trace.h    memory-access traces: readers (native, lackey, ChampSim, plain), generators
 *   replay.h   traces through the simulated MMU and kernel
 *   sweep.h    grids of replays: the spec file and its points
 *   learn.h    teaching: page-replacement policies, toy paging machines, exercises
 *   scenario.h the scenario language: text to a checked list of operations
 *   run.h      running a scenario on a backend (the simulator is one)
 *   host.h     the real system: the Linux backend
 *   live.h     the real system: its processes' memory from /proc
 */
#ifndef VMLAB_VMLAB_H
#define VMLAB_VMLAB_H

#include "vmlab/base.h"
#include "vmlab/phys.h"
#include "vmlab/pgtable.h"
#include "vmlab/cpu.h"
#include "vmlab/mmu.h"
#include "vmlab/proc.h"
#include "vmlab/sim.h"
#include "vmlab/trace.h"
#include "vmlab/replay.h"
#include "vmlab/mrc.h"
#include "vmlab/csv.h"
#include "vmlab/sweep.h"
#include "vmlab/learn.h"
#include "vmlab/scenario.h"
#include "vmlab/run.h"
#include "vmlab/explain.h"
#include "vmlab/host.h"
#include "vmlab/live.h"

#endif
