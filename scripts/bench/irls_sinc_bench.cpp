// Robust regression on y = sinc(x) (DESIGN.md §6): for 0/10/20/30/40% outliers, the RMSE against
// the clean sinc of LS-SVR, weighted LS-SVR, IRLS-LS-SVR, ELM and IRLS-ELM over many seeds,
// printed as a mean ± std table. Outliers replace targets with draws uniform in [−3, 3]
// (libllmedit/probe/sinc_experiment.h).
// Usage: bench_irls_sinc_bench [--seeds N] [--n N] [--C X] [--sigma X] [--L N] [--elm-C X]
//                              [--scale X] [--activation sigmoid|tanh] [--weights hampel|...]
//        (run by scripts/bench/irls_sinc.sh)
#include <torch/torch.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "libllmedit/core/error.h"
#include "libllmedit/probe/sinc_experiment.h"

using namespace llmedit;

namespace {

struct BenchArgs {
  int seeds = 20;
  SincOptions sinc;
};

const char* value_after(int& i, int argc, char** argv) {
  if (i + 1 >= argc) throw usage_error(std::string(argv[i]) + " needs a value");
  return argv[++i];
}

BenchArgs parse_args(int argc, char** argv) {
  BenchArgs a;
  for (int i = 1; i < argc; ++i) {
    const std::string flag = argv[i];
    if (flag == "--seeds") a.seeds = std::atoi(value_after(i, argc, argv));
    else if (flag == "--n") a.sinc.train_points = std::atoll(value_after(i, argc, argv));
    else if (flag == "--C") a.sinc.ls_svr.C = std::atof(value_after(i, argc, argv));
    else if (flag == "--sigma") a.sinc.ls_svr.sigma = std::atof(value_after(i, argc, argv));
    else if (flag == "--L") a.sinc.elm.hidden_units = std::atoll(value_after(i, argc, argv));
    else if (flag == "--elm-C") a.sinc.elm.C = std::atof(value_after(i, argc, argv));
    else if (flag == "--scale") a.sinc.elm.weight_scale = std::atof(value_after(i, argc, argv));
    else if (flag == "--activation") a.sinc.elm.activation = parse_elm_activation(value_after(i, argc, argv), "--activation");
    else if (flag == "--weights")
      a.sinc.irls.weights.function = parse_weight_function(value_after(i, argc, argv), "--weights");
    else throw usage_error("unknown option " + flag);
  }
  if (a.seeds < 1) throw usage_error("--seeds must be at least 1");
  return a;
}

struct Stat {
  double sum = 0, sum_sq = 0, iterations = 0;
  int n = 0;
  void add(double v, int it) { sum += v; sum_sq += v * v; iterations += it; ++n; }
  double mean() const { return sum / n; }
  double std() const { return n > 1 ? std::sqrt(std::max(0.0, (sum_sq - sum * sum / n) / (n - 1))) : 0.0; }
};

const std::vector<std::pair<std::string, std::string>> kMethods = {
    {"ls_svr", "LS-SVR"}, {"weighted_ls_svr", "weighted LS-SVR"}, {"irls_ls_svr", "IRLS-LS-SVR"},
    {"elm", "ELM"},       {"irls_elm", "IRLS-ELM"}};

void print_settings(const BenchArgs& a) {
  const SincOptions& s = a.sinc;
  std::printf("sinc(x) = sin(x)/x, x ~ U[-10, 10], n = %lld, Gaussian noise sigma = %.2f, outliers ~ U[-%.1f, %.1f]\n",
              static_cast<long long>(s.train_points), s.noise, s.outlier_range, s.outlier_range);
  std::printf("RMSE against the clean sinc on %lld grid points; %d seeds per row (seed k: data and ELM layer)\n",
              static_cast<long long>(s.test_points), a.seeds);
  std::printf("LS-SVR: RBF exp(-|x-z|^2/sigma^2), C = %g, sigma = %g\n", s.ls_svr.C, s.ls_svr.sigma);
  std::printf("ELM: L = %lld %s units, weights/biases ~ U[-%g, %g], C = %g\n",
              static_cast<long long>(s.elm.hidden_units), elm_activation_name(s.elm.activation), s.elm.weight_scale,
              s.elm.weight_scale, s.elm.C);
  std::printf("IRLS: %s weights, s = 1.483 MAD, stop at max |delta coef| <= %g or %d refits\n\n",
              weight_function_name(s.irls.weights.function), s.irls.tolerance, s.irls.max_iterations);
}

void print_row(double fraction, const std::map<std::string, Stat>& stats) {
  std::printf("| %3.0f%% |", 100.0 * fraction);
  for (const auto& [key, label] : kMethods) std::printf(" %.4f ± %.4f |", stats.at(key).mean(), stats.at(key).std());
  std::printf(" %.1f / %.1f |\n", stats.at("irls_ls_svr").iterations / stats.at("irls_ls_svr").n,
              stats.at("irls_elm").iterations / stats.at("irls_elm").n);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  try {
    torch::set_num_threads(1);
    BenchArgs a = parse_args(argc, argv);
    print_settings(a);
    std::printf("| outliers |");
    for (const auto& method : kMethods) std::printf(" %s |", method.second.c_str());
    std::printf(" IRLS refits (LS-SVR / ELM) |\n|---|---|---|---|---|---|---|\n");
    for (double fraction : {0.0, 0.1, 0.2, 0.3, 0.4}) {
      std::map<std::string, Stat> stats;
      for (int seed = 0; seed < a.seeds; ++seed) {
        SincOptions o = a.sinc;
        o.outlier_fraction = fraction;
        o.seed = o.elm.seed = static_cast<uint64_t>(seed);
        for (const SincMethodResult& r : run_sinc_experiment(o)) stats[r.method].add(r.rmse, r.iterations);
      }
      print_row(fraction, stats);
    }
    return 0;
  } catch (const Error& e) {
    std::fprintf(stderr, "irls_sinc: %s\n", e.what());
    return e.exit_code();
  }
}
