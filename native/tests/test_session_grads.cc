// Session::lora_gradients (the GPU check's per-tensor comparison with HF + PEFT): the gradient of one example's
// mean masked loss at an adapter folder, named as the trainer names its parameters. Checked against central
// differences of the loss it reports, with the adapter perturbed on disk, so the scaling (1 / targets), the
// target convention (loss_mask[i] makes token i a target) and the names are all covered.
#include <cmath>

#include "api.h"
#include "harness.h"
#include "io/peft.h"
#include "test_model_util.h"

using namespace tf;
using namespace tf_test;

TEST(lora_gradients_match_central_differences_of_the_mean_loss) {
  TempDir model("tf-grad-model"), adapter("tf-grad-adapter"), moved("tf-grad-moved");
  TinySpec s;  // fp32 base, GQA
  write_tiny_model(model.path(), s, 3);
  ThreadPool pool(1);
  auto m = LlamaModel::load(model.path(), Quant::None, false, pool);
  LoraSpec spec;
  spec.rank = 4, spec.alpha = 8, spec.dropout = 0.f;
  spec.targets = {"q_proj", "v_proj", "down_proj"};
  m->init_lora(spec, 5);
  randomize_b(*m, 6, 0.3f);  // B = 0 would make every A gradient zero
  const PeftAdapter a = m->export_lora("tiny");
  write_peft_adapter(adapter.path(), a);

  api::Example ex;
  ex.tokens = {1, 7, 3, 22, 9, 14, 30, 2, 5, 11};
  ex.loss_mask = {0, 0, 0, 1, 1, 1, 0, 1, 1, 1};  // 6 targets, a gap in the middle
  api::LoadOptions lo;
  lo.model_dir = model.path();
  lo.backend = "cpu";
  lo.threads = 1;
  auto session = api::Session::load(lo);
  const api::Session::LoraGradients g = session->lora_gradients(ex, adapter.path());
  CHECK_EQ(g.names.size(), (size_t)(s.L * 3 * 2));
  CHECK_EQ(g.names[0], std::string("model.layers.0.self_attn.q_proj.lora_A"));
  CHECK_EQ(g.names[5], std::string("model.layers.0.mlp.down_proj.lora_B"));

  // The loss is the mean over the 6 targets, as logprobs gives it.
  const std::vector<double> lp = session->logprobs(ex.tokens, adapter.path());
  double sum = 0;
  for (size_t i = 1; i < ex.tokens.size(); i++)
    if (ex.loss_mask[i]) sum -= lp[i - 1];
  CHECK_NEAR(g.loss, sum / 6, 1e-5);

  // Central differences on a few coordinates of an A and a B tensor (module 0: q_proj of layer 0).
  const double h = 1e-2;
  auto loss_at = [&](bool is_b, size_t j, double delta) {
    PeftAdapter p = a;
    std::vector<float>& t = is_b ? p.modules[0].B : p.modules[0].A;
    t[j] = static_cast<float>(t[j] + delta);
    write_peft_adapter(moved.path(), p);
    return session->lora_gradients(ex, moved.path()).loss;
  };
  for (const auto& [is_b, j] : std::vector<std::pair<bool, size_t>>{{false, 0}, {false, 37}, {true, 3}, {true, 50}}) {
    const double fd = (loss_at(is_b, j, h) - loss_at(is_b, j, -h)) / (2 * h);
    const double an = g.grads[is_b ? 1 : 0][j];
    CHECK_NEAR(an, fd, 2e-3 * std::max(1.0, std::fabs(fd)) + 1e-4);
  }
  CHECK_THROWS(session->lora_gradients(ex, ""), "adapterDir is required");
  api::Example none = ex;
  none.loss_mask.assign(ex.tokens.size(), 0);
  CHECK_THROWS(session->lora_gradients(none, adapter.path()), "selects no target");
}
