/* riscv64 trap entry (stvec, direct mode): traps from user mode go to user_entry.S;
   for traps in the CPU driver, it saves the interrupted context in a TrapFrame
   on the current stack, calls riscv_trap(frame), restores and returns with sret.
   Layout: x1..x31 at 8*(i-1), sepc at 248, sstatus at 256 (frame.hpp). */
    .section .text
    .align 4
    .globl riscv_trap_entry
riscv_trap_entry:
    csrrw   tp, sscratch, tp      /* from user mode: tp = CoreState, sscratch = user tp */
    beqz    tp, 1f
    j       riscv_user_trap_entry /* (a jump: a branch's reach is too short for the link) */
1:  csrrw   tp, sscratch, tp      /* from the CPU driver: both as they were */
    addi    sp, sp, -272
    .irp i, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    sd      x\i, (8 * (\i - 1))(sp)
    .endr
    addi    t0, sp, 272
    sd      t0, 8(sp)           /* the interrupted sp */
    csrr    t0, sepc
    sd      t0, 248(sp)
    csrr    t0, sstatus
    sd      t0, 256(sp)
    mv      a0, sp
    call    riscv_trap
    ld      t0, 248(sp)
    csrw    sepc, t0
    ld      t0, 256(sp)
    csrw    sstatus, t0
    .irp i, 1,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    ld      x\i, (8 * (\i - 1))(sp)
    .endr
    addi    sp, sp, 272
    sret
