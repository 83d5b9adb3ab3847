// CURVE keys and the ZAP authenticator (see include/fedcarbon/wire/curve.h).
#include "fedcarbon/wire/curve.h"

#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>
#include <zmq_addon.hpp>

namespace fedcarbon::wire {
namespace {

constexpr size_t kZ85Length = 40;

bool ValidZ85Key(const std::string& key) {
  if (key.size() != kZ85Length) return false;
  uint8_t bin[32];
  return zmq_z85_decode(bin, key.c_str()) != nullptr;
}

std::string Trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t\r\n");
  const size_t e = s.find_last_not_of(" \t\r\n");
  return b == std::string::npos ? std::string() : s.substr(b, e - b + 1);
}

// Non-comment, non-empty lines of a text file.
Result<std::vector<std::pair<int, std::string>>> Lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Status::Error(path + ": cannot open");
  std::vector<std::pair<int, std::string>> out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    line = Trim(line);  // '#' only starts a comment at the start of a line: Z85 uses it
    if (!line.empty() && line[0] != '#') out.emplace_back(n, line);
  }
  return out;
}

}  // namespace

bool IsLoopbackEndpoint(const std::string& endpoint) {
  if (endpoint.rfind("ipc://", 0) == 0 || endpoint.rfind("inproc://", 0) == 0) return true;
  if (endpoint.rfind("tcp://", 0) != 0) return false;
  std::string host = endpoint.substr(6);
  // A source address ("tcp://SRC;HOST:PORT") only picks the local interface: look at HOST.
  if (const size_t semi = host.find(';'); semi != std::string::npos) host = host.substr(semi + 1);
  if (host.rfind("[::1]:", 0) == 0) return true;
  const size_t colon = host.rfind(':');
  if (colon == std::string::npos) return false;
  host = host.substr(0, colon);
  if (host == "localhost") return true;
  // 127.0.0.0/8 written as a dotted quad (digits and dots only: not an interface name).
  if (host.rfind("127.", 0) != 0) return false;
  int dots = 0;
  for (char c : host) {
    if (c == '.') {
      ++dots;
    } else if (c < '0' || c > '9') {
      return false;
    }
  }
  return dots == 3;
}

std::string PlaintextBindWarning(const std::string& endpoint) {
  return "listening on " + endpoint +
         " without CURVE: model weights, the run config and client ids travel in the clear, and "
         "anyone who reaches this port can join as a worker. Turn CURVE on: "
         "`fedcarbon-server --curve-keygen server` and `fedcarbon-server --curve-keygen worker` "
         "write key pairs; run `fedcarbon-server CONFIG --bind " +
         endpoint +
         " --curve-key server.key --curve-allow worker.pub ...` and on each client host "
         "`fedcarbon-client --connect tcp://THIS_HOST:PORT --curve-server-key server.pub "
         "--curve-key worker.key` (or `fedcarbon run --emit slurm --curve`). Without --bind the "
         "coordinator listens on 127.0.0.1 only";
}

Result<CurveKeyPair> GenerateCurveKeyPair() {
  char pub[kZ85Length + 1], sec[kZ85Length + 1];
  if (zmq_curve_keypair(pub, sec) != 0)
    return Status::Error("this libzmq was built without CURVE support");
  return CurveKeyPair{pub, sec};
}

Result<CurveKeyPair> ReadCurveKeyFile(const std::string& path) {
  auto lines = Lines(path);
  if (!lines.ok()) return lines.status();
  CurveKeyPair keys;
  for (const auto& [n, line] : *lines) {
    std::istringstream ls(line);
    std::string kind, key;
    ls >> kind >> key;
    if ((kind != "public" && kind != "secret") || !ValidZ85Key(key))
      return Status::Error(path + ":" + std::to_string(n) +
                           ": expected 'public <z85 key>' or 'secret <z85 key>'");
    (kind == "public" ? keys.public_key : keys.secret_key) = key;
  }
  if (keys.public_key.empty() || keys.secret_key.empty())
    return Status::Error(path + ": needs both a 'public' and a 'secret' line");
  return keys;
}

Status WriteCurveKeyFiles(const std::string& prefix, const CurveKeyPair& keys) {
  const std::string key_path = prefix + ".key", pub_path = prefix + ".pub";
  {
    std::ofstream key(key_path, std::ios::trunc);
    key << "# fedcarbon CURVE key pair: keep this file private\npublic " << keys.public_key
        << "\nsecret " << keys.secret_key << "\n";
    if (!key) return Status::Error(key_path + ": cannot write");
  }
  chmod(key_path.c_str(), 0600);
  std::ofstream pub(pub_path, std::ios::trunc);
  pub << keys.public_key << "\n";
  if (!pub) return Status::Error(pub_path + ": cannot write");
  return Status::OK();
}

Result<std::string> ReadPublicKey(const std::string& key_or_path) {
  if (ValidZ85Key(key_or_path)) return key_or_path;
  auto pair = ReadCurveKeyFile(key_or_path);
  if (pair.ok()) return pair->public_key;
  auto list = ReadPublicKeyList(key_or_path);
  if (list.ok() && !list->empty()) return list->front();
  return Status::Error("'" + key_or_path + "' is neither a Z85 public key nor a key file");
}

Result<std::vector<std::string>> ReadPublicKeyList(const std::string& path) {
  auto lines = Lines(path);
  if (!lines.ok()) return lines.status();
  std::vector<std::string> keys;
  for (const auto& [n, line] : *lines) {
    if (!ValidZ85Key(line))
      return Status::Error(path + ":" + std::to_string(n) + ": not a Z85 public key");
    keys.push_back(line);
  }
  return keys;
}

Result<std::unique_ptr<CurveAuthenticator>> CurveAuthenticator::Start(
    zmq::context_t& ctx, const std::vector<std::string>& allowed) {
  std::unique_ptr<CurveAuthenticator> a(new CurveAuthenticator());
  for (const std::string& key : allowed) {
    uint8_t bin[32];
    if (key.size() != kZ85Length || !zmq_z85_decode(bin, key.c_str()))
      return Status::Error("not a Z85 public key: '" + key + "'");
    a->allowed_.emplace_back(reinterpret_cast<const char*>(bin), 32);
  }
  try {
    a->socket_ = std::make_unique<zmq::socket_t>(ctx, zmq::socket_type::rep);
    a->socket_->set(zmq::sockopt::linger, 0);
    a->socket_->bind("inproc://zeromq.zap.01");
  } catch (const zmq::error_t& e) {
    return Status::Error(std::string("ZAP authenticator: ") + e.what());
  }
  a->thread_ = std::thread([p = a.get()] { p->Loop(); });
  return a;
}

CurveAuthenticator::~CurveAuthenticator() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void CurveAuthenticator::Loop() {
  while (!stop_) {
    std::vector<zmq::message_t> req;
    try {
      zmq::pollitem_t items[] = {{socket_->handle(), 0, ZMQ_POLLIN, 0}};
      if (zmq::poll(items, 1, std::chrono::milliseconds(100)) <= 0) continue;
      if (!zmq::recv_multipart(*socket_, std::back_inserter(req))) continue;
    } catch (const zmq::error_t&) {
      continue;
    }
    // ZAP 1.0 request: version, request id, domain, address, routing id, mechanism, credentials.
    const bool well_formed = req.size() >= 6 && req[0].to_string() == "1.0";
    const std::string mechanism = well_formed ? req[5].to_string() : "";
    const std::string address = well_formed ? req[3].to_string() : "?";
    bool ok = false;
    if (well_formed && mechanism == "CURVE" && req.size() >= 7) {
      const std::string key = req[6].to_string();
      for (const std::string& allowed : allowed_) ok = ok || key == allowed;
    }
    if (!ok)
      spdlog::warn("denied a {} connection from {}: key not in the allowed list",
                   mechanism.empty() ? "malformed" : mechanism, address);
    std::vector<zmq::message_t> reply;
    reply.emplace_back(std::string("1.0"));
    reply.emplace_back(well_formed ? req[1].to_string() : std::string());
    reply.emplace_back(std::string(ok ? "200" : "400"));
    reply.emplace_back(std::string(ok ? "OK" : "key not allowed"));
    reply.emplace_back(std::string());  // user id
    reply.emplace_back(std::string());  // metadata
    try {
      zmq::send_multipart(*socket_, reply);
    } catch (const zmq::error_t&) {
    }
  }
}

}  // namespace fedcarbon::wire
