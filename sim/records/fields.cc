// Typed JSON values and CSV cells for the field tables (see fields.h).
#include "fields.h"

#include <charconv>
#include <limits>

namespace fedcarbon::records::internal {
namespace {

using nlohmann::json;

std::string KeyName(const std::string& prefix, const char* key) {
  return prefix.empty() ? std::string(key) : prefix + "." + key;
}

// j[key], or an error naming it.
Result<const json*> Find(const json& j, const char* key, const std::string& what,
                         const std::string& prefix) {
  const auto it = j.find(key);
  if (it == j.end())
    return Status::Corruption(what + ": missing key '" + KeyName(prefix, key) + "'");
  return &*it;
}

Status Mistyped(const json& v, const char* key, const std::string& what, const std::string& prefix,
                const char* expected) {
  std::string got = v.dump();
  if (got.size() > 40) got = got.substr(0, 40) + "...";
  return Status::Corruption(what + ": key '" + KeyName(prefix, key) + "' must be " + expected +
                            ", got " + got);
}

// A JSON integer within [lo, hi].
template <class T>
Status GetInteger(const json& j, const char* key, const std::string& what,
                  const std::string& prefix, const char* expected, T* out) {
  Result<const json*> v = Find(j, key, what, prefix);
  if (!v.ok()) return v.status();
  const json& x = **v;
  if (!x.is_number_integer()) return Mistyped(x, key, what, prefix, expected);
  if (x.is_number_unsigned()) {
    const uint64_t u = x.get<uint64_t>();
    if (u > static_cast<uint64_t>(std::numeric_limits<T>::max()))
      return Mistyped(x, key, what, prefix, expected);
    *out = static_cast<T>(u);
    return Status::OK();
  }
  const int64_t i = x.get<int64_t>();
  if (i < static_cast<int64_t>(std::numeric_limits<T>::min()) ||
      (std::is_signed_v<T> && i > static_cast<int64_t>(std::numeric_limits<T>::max())))
    return Mistyped(x, key, what, prefix, expected);
  *out = static_cast<T>(i);
  return Status::OK();
}

template <class T>
Status ParseInteger(const std::string& text, const std::string& what, const char* expected,
                    T* out) {
  const char* end = text.data() + text.size();
  const auto [ptr, ec] = std::from_chars(text.data(), end, *out);
  if (text.empty() || ec != std::errc() || ptr != end)
    return Status::Corruption(what + ": not " + std::string(expected) + ": '" + text + "'");
  return Status::OK();
}

}  // namespace

Status Get(const json& j, const char* key, const std::string& what, const std::string& prefix,
           int* out) {
  return GetInteger(j, key, what, prefix, "an integer", out);
}

Status Get(const json& j, const char* key, const std::string& what, const std::string& prefix,
           int64_t* out) {
  return GetInteger(j, key, what, prefix, "an integer", out);
}

Status Get(const json& j, const char* key, const std::string& what, const std::string& prefix,
           uint64_t* out) {
  return GetInteger(j, key, what, prefix, "a non-negative integer", out);
}

Status Get(const json& j, const char* key, const std::string& what, const std::string& prefix,
           double* out) {
  Result<const json*> v = Find(j, key, what, prefix);
  if (!v.ok()) return v.status();
  if (!(*v)->is_number()) return Mistyped(**v, key, what, prefix, "a number");
  *out = (*v)->get<double>();
  return Status::OK();
}

Status Get(const json& j, const char* key, const std::string& what, const std::string& prefix,
           bool* out) {
  Result<const json*> v = Find(j, key, what, prefix);
  if (!v.ok()) return v.status();
  if (!(*v)->is_boolean()) return Mistyped(**v, key, what, prefix, "true or false");
  *out = (*v)->get<bool>();
  return Status::OK();
}

Status Get(const json& j, const char* key, const std::string& what, const std::string& prefix,
           std::string* out) {
  Result<const json*> v = Find(j, key, what, prefix);
  if (!v.ok()) return v.status();
  if (!(*v)->is_string()) return Mistyped(**v, key, what, prefix, "a string");
  *out = (*v)->get<std::string>();
  return Status::OK();
}

Status Get(const json& j, const char* key, const std::string& what, const std::string& prefix,
           std::optional<double>* out) {
  Result<const json*> v = Find(j, key, what, prefix);
  if (!v.ok()) return v.status();
  if ((*v)->is_null()) {
    out->reset();
    return Status::OK();
  }
  if (!(*v)->is_number()) return Mistyped(**v, key, what, prefix, "a number or null");
  *out = (*v)->get<double>();
  return Status::OK();
}

Result<const json*> GetObject(const json& j, const char* key, const std::string& what,
                              const std::string& prefix) {
  Result<const json*> v = Find(j, key, what, prefix);
  if (!v.ok()) return v.status();
  if (!(*v)->is_object()) return Mistyped(**v, key, what, prefix, "an object");
  return v;
}

Status RequireObject(const json& j, const std::string& what, const std::string& name) {
  if (j.is_object()) return Status::OK();
  return Status::Corruption(what + ": not a JSON object (" + name + ")");
}

Status ParseCell(const std::string& text, const std::string& what, int* out) {
  return ParseInteger(text, what, "an integer", out);
}

Status ParseCell(const std::string& text, const std::string& what, int64_t* out) {
  return ParseInteger(text, what, "an integer", out);
}

Status ParseCell(const std::string& text, const std::string& what, uint64_t* out) {
  return ParseInteger(text, what, "a non-negative integer", out);
}

Status ParseCell(const std::string& text, const std::string& what, double* out) {
  Result<double> v = ParseDouble(text, what);
  if (!v.ok()) return v.status();
  *out = *v;
  return Status::OK();
}

Status ParseCell(const std::string& text, const std::string& what, bool* out) {
  if (text != "true" && text != "false")
    return Status::Corruption(what + ": not true or false: '" + text + "'");
  *out = text == "true";
  return Status::OK();
}

Status ParseCell(const std::string& text, const std::string&, std::string* out) {
  *out = text;
  return Status::OK();
}

Status ParseCell(const std::string& text, const std::string& what, std::optional<double>* out) {
  if (text.empty()) {
    out->reset();
    return Status::OK();
  }
  double v = 0;
  FEDCARBON_RETURN_IF_ERROR(ParseCell(text, what, &v));
  *out = v;
  return Status::OK();
}

std::optional<size_t> FindColumn(const std::vector<std::string>& header, const char* column) {
  for (size_t i = 0; i < header.size(); ++i) {
    if (header[i] == column) return i;
  }
  return std::nullopt;
}

}  // namespace fedcarbon::records::internal
