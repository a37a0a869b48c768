#include "core/amount.h"

#include <cstdio>

namespace tc {

std::string Amount::to_time_string() const {
  char text[48];
  std::snprintf(text, sizeof text, "%llu.%08llu TIME",
                static_cast<unsigned long long>(satoshis_ / kSatoshisPerTime),
                static_cast<unsigned long long>(satoshis_ % kSatoshisPerTime));
  return text;
}

}  // namespace tc
