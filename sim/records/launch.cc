// launch.json (see include/fedcarbon/records/launch.h).
#include "fedcarbon/records/launch.h"

#include <array>

#include "fedcarbon/common/file.h"
#include "fedcarbon/common/json_file.h"
#include "fields.h"

namespace fedcarbon::records {
namespace {

using internal::Field;
using nlohmann::json;

const std::array<Field<LaunchRecord>, 6> kLaunchRecord = {{
    {"coordinator_cpu_s", &LaunchRecord::coordinator_cpu_s},
    {"workers_cpu_s", &LaunchRecord::workers_cpu_s},
    {"launcher_cpu_s", &LaunchRecord::launcher_cpu_s},
    {"wall_s", &LaunchRecord::wall_s},
    {"workers", &LaunchRecord::workers},
    {"worker_restarts", &LaunchRecord::worker_restarts},
}};

}  // namespace

json ToJson(const LaunchRecord& r) {
  json j = json::object();
  internal::PutJson<LaunchRecord>(r, kLaunchRecord, j);
  return j;
}

Status FromJson(const json& j, const std::string& what, LaunchRecord* out) {
  FEDCARBON_RETURN_IF_ERROR(internal::RequireObject(j, what, "a launch record"));
  return internal::GetJson<LaunchRecord>(j, kLaunchRecord, what, "", out);
}

Status WriteLaunchRecord(const std::string& path, const LaunchRecord& r) {
  return WriteFileAtomic(path, ToJson(r).dump(2) + "\n");
}

Result<LaunchRecord> ReadLaunchRecord(const std::string& path) {
  Result<json> j = ReadJsonFile(path);
  if (!j.ok()) return j.status();
  LaunchRecord r;
  FEDCARBON_RETURN_IF_ERROR(FromJson(*j, path, &r));
  return r;
}

}  // namespace fedcarbon::records
