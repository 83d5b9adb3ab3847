// CURVE security for runs over untrusted networks: the coordinator's ROUTER is a CURVE server
// (encrypted, the server authenticated by its public key), and a ZAP authenticator admits only
// workers whose public key is listed. Keys are ZeroMQ's Z85 text (40 characters).
//
// Key files: "public <z85>" and "secret <z85>" lines (a line starting with '#' is a comment; Z85
// itself may contain '#'); a public-key list
// holds one Z85 key per line. `fedcarbon-server --curve-keygen PREFIX` writes PREFIX.key (both
// keys, mode 0600) and PREFIX.pub.
//
// Threading: CurveAuthenticator runs one thread that answers ZAP requests on its context; the
// functions are pure.
#pragma once

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <zmq.hpp>

#include "fedcarbon/common/status.h"

namespace fedcarbon::wire {

// True for an endpoint only this host can reach: tcp:// on 127.0.0.0/8, localhost or [::1],
// ipc:// and inproc://. False for a wildcard (tcp://*:5555, tcp://0.0.0.0:5555), an interface
// name or any other address.
bool IsLoopbackEndpoint(const std::string& endpoint);
// The warning fedcarbon-server logs when it binds `endpoint` (not loopback) without CURVE: what
// travels in the clear, and the commands that turn CURVE on (README, "Running across hosts
// safely").
std::string PlaintextBindWarning(const std::string& endpoint);

struct CurveKeyPair {
  std::string public_key;  // Z85, 40 characters
  std::string secret_key;  // Z85, 40 characters
};

Result<CurveKeyPair> GenerateCurveKeyPair();
// Errors name the file and the bad line.
Result<CurveKeyPair> ReadCurveKeyFile(const std::string& path);
Status WriteCurveKeyFiles(const std::string& prefix, const CurveKeyPair& keys);
// A Z85 key given inline, or the `public` key of a key file / the first key of a list file.
Result<std::string> ReadPublicKey(const std::string& key_or_path);
Result<std::vector<std::string>> ReadPublicKeyList(const std::string& path);

// Answers ZeroMQ's ZAP requests for sockets of `ctx`: CURVE clients whose public key is in
// `allowed` are accepted, everything else (other keys, other mechanisms) is denied and logged.
// Must be started before the CURVE server socket binds; stops and joins on destruction.
class CurveAuthenticator {
 public:
  static Result<std::unique_ptr<CurveAuthenticator>> Start(zmq::context_t& ctx,
                                                           const std::vector<std::string>& allowed);
  ~CurveAuthenticator();
  CurveAuthenticator(const CurveAuthenticator&) = delete;
  CurveAuthenticator& operator=(const CurveAuthenticator&) = delete;

 private:
  CurveAuthenticator() = default;
  void Loop();

  std::unique_ptr<zmq::socket_t> socket_;
  std::vector<std::string> allowed_;  // 32-byte binary keys
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace fedcarbon::wire
