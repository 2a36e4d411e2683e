/* Segment selectors of every core's GDT (gdt.cpp), for C++ (io.hpp) and assembly; the
   user ones with RPL 3. Code and data at 0x08/0x10 as in boot.S and the trampoline. */
#pragma once
#define X86_SEL_KERNEL_CODE 0x08
#define X86_SEL_KERNEL_DATA 0x10
#define X86_SEL_USER_DATA (0x18 | 3)
#define X86_SEL_USER_CODE (0x20 | 3)
#define X86_SEL_TSS 0x28
