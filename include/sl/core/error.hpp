// Exceptions that carry enough context for a one-line message a person can act on.
//
// Executables catch these at the top (see sl/core/cli.hpp) and map them to exit codes:
//   UsageError (bad flags, bad config, bad input files)  -> exit 2
//   anything else                                         -> exit 1
#pragma once

#include <stdexcept>
#include <string>

namespace sl {

// A runtime failure: network, server, model, I/O. Exit code 1.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The user asked for something invalid: flags, config files, malformed input data. Exit code 2.
class UsageError : public Error {
 public:
  using Error::Error;
};

// A value in a JSON document does not match what was expected. `path()` is the JSON path
// relative to the document being decoded (e.g. "prompt_set.size"); `detail()` says what was
// wrong (e.g. `expected a positive integer, got "30k"`).
class JsonDecodeError : public UsageError {
 public:
  JsonDecodeError(std::string path, std::string detail)
      : UsageError(path.empty() ? detail : path + ": " + detail), path_(std::move(path)), detail_(std::move(detail)) {}
  const std::string& path() const { return path_; }
  const std::string& detail() const { return detail_; }

 private:
  std::string path_;
  std::string detail_;
};

// An HTTP request failed for good (after any retries). Carries the status (0 when no
// response arrived) and the server's own message.
class HttpError : public Error {
 public:
  HttpError(int status, std::string message) : Error(message), status_(status) {}
  int status() const { return status_; }

 private:
  int status_;
};

}  // namespace sl
