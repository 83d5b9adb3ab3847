// A run-time block width to a compile-time one (internal to models/).
//
// The kernels keep a block of J columns in registers, so J must be a template argument; the
// last block of a matrix is narrower. DispatchUpTo<Body, Max>(j, args...) calls
// Body<j>::Run(args...) for j in 1..Max and does nothing otherwise.
#pragma once

#include <cstdint>

namespace fedcarbon::models::internal {

template <template <int> class Body, int Max, class... Args>
void DispatchUpTo(int64_t j, Args&&... args) {
  if constexpr (Max >= 1) {
    if (j == Max) {
      Body<Max>::Run(args...);
    } else {
      DispatchUpTo<Body, Max - 1>(j, args...);
    }
  }
}

}  // namespace fedcarbon::models::internal
