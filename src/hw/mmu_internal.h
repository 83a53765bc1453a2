/* hw/mmu_internal.h: test hooks of the MMU (not part of the API). */
#ifndef VMLAB_HW_MMU_INTERNAL_H
#define VMLAB_HW_MMU_INTERNAL_H

#include "vmlab/mmu.h"

/* Sends every translation of cpu through the general slow path (translate_general), never the
 * planned miss path, so a test can check that both behave the same. */
void mmu_force_general(struct vml_cpu *cpu);

#endif
