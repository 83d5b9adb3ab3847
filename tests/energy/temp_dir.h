// Energy tests: the shared scratch folder (common/scratch.h).
#pragma once

#include "common/scratch.h"

namespace fedcarbon::energy::testing {

using fedcarbon::testing::ScratchDir;

}  // namespace fedcarbon::energy::testing
