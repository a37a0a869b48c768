#include "node/rpc/json_rpc.h"

#include <exception>
#include <utility>

#include "core/status.h"

namespace tc::rpc {
namespace {

// Echoed method names are cut to this many bytes, so an error never repeats a huge input.
constexpr std::size_t kEchoedNameBytesMax = 64;

std::string echoed(std::string_view name) {
  if (name.size() <= kEchoedNameBytesMax) return std::string(name);
  return std::string(name.substr(0, kEchoedNameBytesMax)) + "...";
}

std::string_view type_name(ParamType type) {
  switch (type) {
    case ParamType::kUnsigned:
      return "a non-negative integer";
    case ParamType::kBool:
      return "a boolean";
    case ParamType::kString:
      return "a string";
    case ParamType::kHash:
      return "a string of 64 hex characters";
  }
  return "?";
}

// Checks `value` against `spec`; on success a kHash value is decoded into *hash.
std::optional<RpcError> check_param(const ParamSpec& spec, const Json& value,
                                    std::optional<Hash256>* hash) {
  auto wrong = [&](std::string why) {
    return RpcError{RpcErrorCode::kInvalidParams,
                    "parameter '" + std::string(spec.name) + "': " + std::move(why)};
  };
  switch (spec.type) {
    case ParamType::kUnsigned:
      if (value.is_number_unsigned()) return std::nullopt;
      if (value.is_number_integer()) return wrong("must not be negative");
      return wrong("expected " + std::string(type_name(spec.type)));
    case ParamType::kBool:
      if (value.is_boolean()) return std::nullopt;
      return wrong("expected " + std::string(type_name(spec.type)));
    case ParamType::kString:
      if (value.is_string()) return std::nullopt;
      return wrong("expected " + std::string(type_name(spec.type)));
    case ParamType::kHash: {
      if (!value.is_string()) return wrong("expected " + std::string(type_name(spec.type)));
      auto decoded = fixed_from_hex<32>(value.get_ref<const std::string&>());
      if (!decoded.is_ok()) return wrong(std::string(decoded.status().message()));
      *hash = *decoded;
      return std::nullopt;
    }
  }
  return wrong("unknown type");
}

}  // namespace

std::uint64_t Params::u64(std::size_t i) const {
  TC_CHECK(has(i) && values_[i].is_number_unsigned(), "parameter is not a declared kUnsigned");
  return values_[i].get<std::uint64_t>();
}

bool Params::boolean_or(std::size_t i, bool fallback) const {
  if (!has(i)) return fallback;
  TC_CHECK(values_[i].is_boolean(), "parameter is not a declared kBool");
  return values_[i].get<bool>();
}

const std::string& Params::string(std::size_t i) const {
  TC_CHECK(has(i) && values_[i].is_string(), "parameter is not a declared kString");
  return values_[i].get_ref<const std::string&>();
}

const Hash256& Params::hash(std::size_t i) const {
  TC_CHECK(i < hashes_.size() && hashes_[i].has_value(), "parameter is not a declared kHash");
  return *hashes_[i];
}

Dispatcher::Dispatcher(const DispatcherConfig& config, MetricsRegistry* metrics)
    : config_(config), metrics_(metrics) {}

void Dispatcher::add(MethodSpec spec) {
  bool optional_seen = false;
  for (const ParamSpec& param : spec.params) {
    TC_CHECK(!(param.required && optional_seen), "a required parameter after an optional one");
    optional_seen = optional_seen || !param.required;
  }
  Method method{std::move(spec)};
  if (metrics_ != nullptr) {
    const std::string name(method.spec.name);
    method.ok_calls = &metrics_->counter("timecoin_rpc_calls_total", "JSON-RPC calls by outcome.",
                                         {{"method", name}, {"outcome", "ok"}});
    method.failed_calls =
        &metrics_->counter("timecoin_rpc_calls_total", "JSON-RPC calls by outcome.",
                           {{"method", name}, {"outcome", "error"}});
  }
  const std::string key(method.spec.name);
  const bool inserted = methods_.emplace(key, std::move(method)).second;
  TC_CHECK(inserted, "method declared twice");
}

void Dispatcher::set_warming_up(std::string status) {
  {
    std::lock_guard lock(warmup_mutex_);
    warmup_status_ = std::move(status);
  }
  warming_up_.store(true, std::memory_order_release);
}

void Dispatcher::finish_warmup() {
  warming_up_.store(false, std::memory_order_release);
}

void Dispatcher::count_error(RpcErrorCode code) {
  if (metrics_ == nullptr) return;
  metrics_
      ->counter("timecoin_rpc_errors_total", "JSON-RPC error responses by error code.",
                {{"code", std::to_string(static_cast<int>(code))}})
      .add();
}

Json Dispatcher::error_response(const Json& id, RpcErrorCode code, std::string message) {
  count_error(code);
  return Json{{"jsonrpc", "2.0"},
              {"error", {{"code", static_cast<int>(code)}, {"message", std::move(message)}}},
              {"id", id}};
}

RpcResult Dispatcher::call(const Method& method, const Json& params) {
  const std::vector<ParamSpec>& specs = method.spec.params;
  std::vector<Json> values(specs.size());
  if (params.is_array()) {
    if (params.size() > specs.size()) {
      return RpcError{RpcErrorCode::kInvalidParams,
                      std::string(method.spec.name) + " takes at most " +
                          std::to_string(specs.size()) + " parameters, got " +
                          std::to_string(params.size())};
    }
    for (std::size_t i = 0; i < params.size(); ++i) values[i] = params[i];
  } else if (params.is_object()) {
    for (const auto& [key, value] : params.items()) {
      std::size_t i = 0;
      while (i < specs.size() && specs[i].name != key) ++i;
      if (i == specs.size()) {
        return RpcError{RpcErrorCode::kInvalidParams,
                        std::string(method.spec.name) + " has no parameter '" + echoed(key) + "'"};
      }
      values[i] = value;
    }
  }
  std::vector<std::optional<Hash256>> hashes(specs.size());
  for (std::size_t i = 0; i < specs.size(); ++i) {
    if (values[i].is_null()) {
      if (specs[i].required) {
        return RpcError{RpcErrorCode::kInvalidParams,
                        "missing required parameter '" + std::string(specs[i].name) + "'"};
      }
      continue;
    }
    if (auto error = check_param(specs[i], values[i], &hashes[i])) return *error;
  }
  return method.spec.handler(Params(std::move(values), std::move(hashes)));
}

std::optional<Json> Dispatcher::handle_one(const Json& request) {
  if (!request.is_object()) {
    return error_response(nullptr, RpcErrorCode::kInvalidRequest, "request is not a JSON object");
  }
  const auto id_it = request.find("id");
  const bool notification = id_it == request.end();
  const Json id = notification ? Json(nullptr) : *id_it;
  if (!id.is_null() && !id.is_string() && !id.is_number_integer()) {
    return error_response(nullptr, RpcErrorCode::kInvalidRequest,
                          "id must be a string, an integer or null");
  }
  const auto version = request.find("jsonrpc");
  if (version == request.end() || *version != "2.0") {
    return error_response(id, RpcErrorCode::kInvalidRequest, "jsonrpc must be \"2.0\"");
  }
  const auto method_name = request.find("method");
  if (method_name == request.end() || !method_name->is_string()) {
    return error_response(id, RpcErrorCode::kInvalidRequest, "method must be a string");
  }
  const auto params = request.find("params");
  if (params != request.end() && !params->is_array() && !params->is_object()) {
    return error_response(id, RpcErrorCode::kInvalidRequest, "params must be an array or object");
  }

  const std::string& name = method_name->get_ref<const std::string&>();
  const auto method = methods_.find(name);
  std::optional<Json> response;
  if (method == methods_.end()) {
    response = error_response(id, RpcErrorCode::kMethodNotFound,
                              "method '" + echoed(name) + "' not found");
  } else if (!method->second.spec.during_warmup && warming_up_.load(std::memory_order_acquire)) {
    std::string status;
    {
      std::lock_guard lock(warmup_mutex_);
      status = warmup_status_;
    }
    response = error_response(id, RpcErrorCode::kInWarmup, "node is warming up: " + status);
  } else {
    RpcResult result = [&]() -> RpcResult {
      try {
        return call(method->second, params == request.end() ? Json(nullptr) : *params);
      } catch (const std::exception& e) {
        return RpcError{RpcErrorCode::kInternalError,
                        std::string(method->second.spec.name) + ": " + e.what()};
      }
    }();
    if (auto* error = std::get_if<RpcError>(&result)) {
      if (method->second.failed_calls != nullptr) method->second.failed_calls->add();
      response = error_response(id, error->code, std::move(error->message));
    } else {
      if (method->second.ok_calls != nullptr) method->second.ok_calls->add();
      response =
          Json{{"jsonrpc", "2.0"}, {"result", std::move(std::get<Json>(result))}, {"id", id}};
    }
  }
  if (notification) return std::nullopt;
  return response;
}

std::optional<std::string> Dispatcher::handle(std::string_view body) {
  // Serialising replaces invalid UTF-8 instead of throwing; parsed input is valid UTF-8 already.
  auto serialize = [](const Json& value) {
    return value.dump(-1, ' ', false, Json::error_handler_t::replace);
  };
  try {
    Json request = Json::parse(body, nullptr, /*allow_exceptions=*/false);
    if (request.is_discarded()) {
      return serialize(
          error_response(nullptr, RpcErrorCode::kParseError, "body is not valid JSON"));
    }
    if (!request.is_array()) {
      std::optional<Json> response = handle_one(request);
      if (!response) return std::nullopt;
      return serialize(*response);
    }
    if (request.empty()) {
      return serialize(error_response(nullptr, RpcErrorCode::kInvalidRequest, "empty batch"));
    }
    if (request.size() > config_.batch_size_max) {
      return serialize(error_response(nullptr, RpcErrorCode::kInvalidRequest,
                                      "batch of " + std::to_string(request.size()) +
                                          " requests exceeds the limit of " +
                                          std::to_string(config_.batch_size_max)));
    }
    Json responses = Json::array();
    for (const Json& one : request) {
      if (std::optional<Json> response = handle_one(one)) responses.push_back(std::move(*response));
    }
    if (responses.empty()) return std::nullopt;
    return serialize(responses);
  } catch (const std::exception&) {  // bad_alloc while building a response
    count_error(RpcErrorCode::kInternalError);
    return std::string(
        R"({"jsonrpc":"2.0","error":{"code":-32603,"message":"internal error"},"id":null})");
  }
}

}  // namespace tc::rpc
