// Exception types: message formatting in one place.
#include "guanxi/error.hpp"

#include <charconv>

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

std::string format_number(double value) {
  char text[32];
  const auto [end, ec] = std::to_chars(text, text + sizeof text, value);
  return std::string(text, end);
}

void require(bool condition, const std::string& name, const std::string& must) {
  if (!condition) throw InputError(name + ": must be " + must);
}

}  // namespace guanxi
