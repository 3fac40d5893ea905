#pragma once
// The CUDA emulator's stand-in for the toolkit header (see ../wmma.h): used only by the emulated build.
#include "../wmma.h"
