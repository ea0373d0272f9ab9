// Exception types of guanxi. Bad input names where it came from (file, line, field) so that
// the CLI prints one readable line and Python raises ValueError/OSError with the same text.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace guanxi {

// Invalid data or parameters (maps to Python ValueError).
class InputError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// A file that cannot be opened, read or written (maps to Python OSError).
class IoError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Malformed content at a known place: "file:line: field: what".
class ParseError : public InputError {
 public:
  ParseError(const std::string& file, std::uint64_t line, const std::string& field,
             const std::string& what);
  const std::string& file() const noexcept { return file_; }
  std::uint64_t line() const noexcept { return line_; }

 private:
  std::string file_;
  std::uint64_t line_;
};

// A parameter out of range or inconsistent with others, by its key path ("behaviour.reach",
// "policy.commission[1]"): callers that know where the key was written (a scenario file and
// line) re-throw it with that place.
class ParameterError : public InputError {
 public:
  ParameterError(const std::string& key, const std::string& reason);
  const std::string& key() const noexcept { return key_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::string key_;
  std::string reason_;
};

// A problem with one input edge, by its position in the input arrays; readers turn the
// position (and that of an earlier edge it repeats, if any) into file lines.
class EdgeError : public InputError {
 public:
  static constexpr std::uint64_t none = ~std::uint64_t{0};
  EdgeError(std::uint64_t index, const std::string& field, const std::string& what,
            std::uint64_t first_index = none);
  std::uint64_t index() const noexcept { return index_; }
  std::uint64_t first_index() const noexcept { return first_index_; }  // the edge it repeats
  const std::string& field() const noexcept { return field_; }
  const std::string& reason() const noexcept { return reason_; }

 private:
  std::uint64_t index_;
  std::uint64_t first_index_;
  std::string field_;
  std::string reason_;
};

// Shortest text that reads back as the same value ("0.1", "-1", "nan").
std::string format_number(double value);

// This machine's physical memory in bytes (0 when the system does not say).
std::uint64_t physical_memory();

// Refuses work whose results alone would not fit in this machine's memory, before allocating:
// throws ParameterError(name, "... need <bytes> ...; this machine has <memory>").
void require_memory(double bytes, const std::string& name, const std::string& what);

// Bytes as a short human-readable text ("1.5 GiB").
std::string format_bytes(double bytes);

}  // namespace guanxi
