/* Offsets into CoreState that the ISAs' assembly uses on entry from user mode; core.hpp
   checks them against the structure. */
#pragma once
#define MOSAIC_CORE_STACK_TOP 0
#define MOSAIC_CORE_USER_FRAME 8
#define MOSAIC_CORE_SCRATCH 16
