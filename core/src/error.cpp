// Exception types: message formatting in one place.
#include "guanxi/error.hpp"

#include <charconv>
#include <cstdio>

#include <unistd.h>

namespace guanxi {

ParseError::ParseError(const std::string& file, std::uint64_t line, const std::string& field,
                       const std::string& what)
    : InputError(file + ":" + std::to_string(line) + ": " + (field.empty() ? "" : field + ": ") +
                 what),
      file_(file),
      line_(line) {}

EdgeError::EdgeError(std::uint64_t index, const std::string& field, const std::string& what,
                     std::uint64_t first_index)
    : InputError("edge " + std::to_string(index) + ": " + field + ": " + what +
                 (first_index == none ? "" : " (first at edge " + std::to_string(first_index) + ")")),
      index_(index),
      first_index_(first_index),
      field_(field),
      reason_(what) {}

ParameterError::ParameterError(const std::string& key, const std::string& reason)
    : InputError(key + ": " + reason), key_(key), reason_(reason) {}

std::string format_bytes(double bytes) {
  static const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int unit = 0;
  while (bytes >= 1024 && unit < 6) {
    bytes /= 1024;
    ++unit;
  }
  char text[48];
  std::snprintf(text, sizeof text, unit == 0 ? "%.0f %s" : "%.1f %s", bytes, units[unit]);
  return text;
}

std::uint64_t physical_memory() {
  const long pages = ::sysconf(_SC_PHYS_PAGES), page_size = ::sysconf(_SC_PAGE_SIZE);
  return pages > 0 && page_size > 0 ? static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size) : 0;
}

void require_memory(double bytes, const std::string& name, const std::string& what) {
  const auto memory = static_cast<double>(physical_memory());
  if (memory > 0 && bytes > memory)
    throw ParameterError(name, what + " need " + format_bytes(bytes) + " of memory; this machine has " + format_bytes(memory));
}

std::string format_number(double value) {
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return std::string(text, end);
}

}  // namespace guanxi
