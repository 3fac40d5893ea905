#pragma once
// The CUDA emulator's stand-in for the toolkit header (see ../runtime_api.h): used only by the emulated build.
#include "../runtime_api.h"
