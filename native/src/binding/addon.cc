// Entry point of tuneforge_native.node: loadModel (→ Model), backendsBuilt, cudaDevices, cudaMemory, gemmPeakGflops,
// cpuIsa.
// native/index.ts is the one hand-written TypeScript interface for everything exported here.
#include <napi.h>

#include <memory>
#include <thread>

#include "api.h"
#include "backend/cuda_entry.h"
#include "binding/convert.h"
#include "binding/model.h"
#include "binding/workers.h"
#include "common/threadpool.h"
#include "kernels/gemm.h"
#include "kernels/isa.h"

namespace tf::binding {
namespace {

struct AddonData {
  Napi::FunctionReference model_ctor;
};

// Promise-returning exports report bad arguments as a rejection, like every other failure.
Napi::Value rejected(Napi::Env env, const Napi::Error& error) {
  Napi::Promise::Deferred d = Napi::Promise::Deferred::New(env);
  d.Reject(error.Value());
  return d.Promise();
}

// loadModel({ modelDir, quant?, doubleQuant?, backend?, threads? }) → Promise<Model>
Napi::Value LoadModel(const Napi::CallbackInfo& info) {
  api::LoadOptions options;
  try {
    options = to_load_options(info.Length() > 0 ? info[0] : info.Env().Undefined());
  } catch (const ArgError& e) {
    return rejected(info.Env(), Napi::TypeError::New(info.Env(), std::string("loadModel: ") + e.what()));
  }
  auto* data = info.Env().GetInstanceData<AddonData>();
  auto* w = new LoadWorker(info.Env(), std::move(options), &data->model_ctor);
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

Napi::Value BackendsBuilt(const Napi::CallbackInfo& info) { return to_js(info.Env(), api::backends_built()); }

// cudaDevices() → { devices: [{ index, name, totalBytes, sm }], reason: string | null, gemms: string }
Napi::Value CudaDevices(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  std::string reason;
  const std::vector<api::CudaDeviceInfo> devices = api::cuda_devices(&reason);
  Napi::Array list = Napi::Array::New(env, devices.size());
  for (size_t i = 0; i < devices.size(); i++) {
    Napi::Object d = Napi::Object::New(env);
    d.Set("index", devices[i].index);
    d.Set("name", devices[i].name);
    d.Set("totalBytes", Napi::Number::New(env, static_cast<double>(devices[i].total_bytes)));
    d.Set("sm", devices[i].sm);
    list.Set(i, d);
  }
  Napi::Object out = Napi::Object::New(env);
  out.Set("devices", list);
  out.Set("reason", devices.empty() ? Napi::Value(Napi::String::New(env, reason)) : env.Null());
  out.Set("gemms", api::cuda_gemm_library());
  return out;
}

// cudaMemory(device = 0) → { freeBytes, totalBytes } now; throws when CUDA is not built or the device is not usable.
Napi::Value CudaMemory(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  int device = 0;
  if (info.Length() > 0 && !info[0].IsUndefined()) {
    const double d = info[0].IsNumber() ? info[0].As<Napi::Number>().DoubleValue() : -1;
    if (!(d >= 0 && d <= 1024 && d == double(int(d))))
      throw Napi::TypeError::New(env, "cudaMemory: device must be a non-negative integer");
    device = int(d);
  }
  try {
    const api::CudaMemoryInfo m = api::cuda_memory(device);
    Napi::Object out = Napi::Object::New(env);
    out.Set("freeBytes", Napi::Number::New(env, static_cast<double>(m.free_bytes)));
    out.Set("totalBytes", Napi::Number::New(env, static_cast<double>(m.total_bytes)));
    return out;
  } catch (const std::exception& e) {
    throw Napi::Error::New(env, e.what());
  }
}

Napi::Value CpuIsa(const Napi::CallbackInfo& info) {
  return Napi::String::New(info.Env(), kernels::isa_name(kernels::detected_isa()));
}

// gemmPeakGflops({ threads?, seconds?, backend?, size? }) → Promise<number>: the GEMM rate the bench compares
// against — fp32 on the CPU (backend "cpu", default), or bf16 with fp32 accumulation on CUDA device 0 (backend
// "cuda", square GEMMs of order `size`, default 8192: large enough to reach a device's peak).
Napi::Value GemmPeakGflops(const Napi::CallbackInfo& info) {
  int threads = 0;
  double seconds = 1.0;
  std::string backend = "cpu";
  int size = 8192;
  try {
    OptionReader r(info.Length() > 0 ? info[0] : info.Env().Undefined(), "gemmPeakGflops options");
    r.only({"threads", "seconds", "backend", "size"});
    r.integer("threads", threads, 0, 1024);
    r.number("seconds", seconds, 0.01, 600);
    r.choice("backend", backend, {"cpu", "cuda"});
    const bool sized = r.has("size");
    r.integer("size", size, 256, 32768);
    // The CPU peak has its own fixed blocking; a size there would be silently ignored.
    if (sized && backend != "cuda") throw ArgError("size applies to the cuda backend only");
    if (size % 128 != 0) throw ArgError("size must be a multiple of 128, got " + std::to_string(size));
  } catch (const ArgError& e) {
    return rejected(info.Env(), Napi::TypeError::New(info.Env(), std::string("gemmPeakGflops: ") + e.what()));
  }
  auto out = std::make_shared<double>(0);
  auto* w = new TaskWorker(
      info.Env(), "gemmPeakGflops", nullptr,
      [threads, seconds, backend, size, out] {
        if (backend == "cuda") {
          *out = backend::cuda_gemm_peak_tflops(seconds, size) * 1000.0;
          return;
        }
        ThreadPool pool(threads);
        *out = kernels::gemm_peak_gflops(pool, seconds);
      },
      [out](Napi::Env env) -> Napi::Value { return Napi::Number::New(env, *out); });
  Napi::Promise p = w->promise();
  w->Queue();
  return p;
}

}  // namespace

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  auto* data = new AddonData();
  data->model_ctor = Napi::Persistent(Model::Define(env));
  env.SetInstanceData(data);
  exports.Set("loadModel", Napi::Function::New<LoadModel>(env, "loadModel"));
  exports.Set("backendsBuilt", Napi::Function::New<BackendsBuilt>(env, "backendsBuilt"));
  exports.Set("cudaDevices", Napi::Function::New<CudaDevices>(env, "cudaDevices"));
  exports.Set("cudaMemory", Napi::Function::New<CudaMemory>(env, "cudaMemory"));
  exports.Set("gemmPeakGflops", Napi::Function::New<GemmPeakGflops>(env, "gemmPeakGflops"));
  exports.Set("cpuIsa", Napi::Function::New<CpuIsa>(env, "cpuIsa"));
  exports.Set("Model", data->model_ctor.Value());
  return exports;
}

}  // namespace tf::binding

// NODE_API_MODULE needs a plain identifier.
static Napi::Object InitTuneforge(Napi::Env env, Napi::Object exports) { return tf::binding::Init(env, exports); }
NODE_API_MODULE(tuneforge_native, InitTuneforge)
