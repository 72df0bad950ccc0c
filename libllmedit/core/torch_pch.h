// Precompiled header: LibTorch is large, so it is parsed once per build.
#pragma once
#include <torch/torch.h>
