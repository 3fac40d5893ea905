#pragma once
// The CUDA emulator's stand-in for the toolkit header (see ../bf16.h): used only by the emulated build.
#include "../bf16.h"
