#include "engine/thread_budget.h"

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>

namespace odvd {
namespace {

// /proc/self/cgroup names the process's cgroup; v2 has one line "0::/path".
std::string cgroup_v2_path() {
  std::ifstream f("/proc/self/cgroup");
  std::string line;
  while (std::getline(f, line)) {
    if (line.rfind("0::", 0) == 0) return line.substr(3);
  }
  return "";
}

// "max 100000" or "<quota> <period>" (cgroup v2 cpu.max), walking up to the root: the tightest wins.
double v2_quota() {
  std::string path = cgroup_v2_path();
  double best = 0;
  while (true) {
    std::ifstream f("/sys/fs/cgroup" + path + "/cpu.max");
    std::string quota;
    double period = 0;
    if (f >> quota >> period && quota != "max" && period > 0) {
      const double cpus = std::atof(quota.c_str()) / period;
      if (cpus > 0 && (best == 0 || cpus < best)) best = cpus;
    }
    if (path.empty() || path == "/") break;
    path = path.substr(0, path.find_last_of('/'));
  }
  return best;
}

// cgroup v1: cpu.cfs_quota_us (-1: none) over cpu.cfs_period_us.
double v1_quota() {
  for (const char* dir : {"/sys/fs/cgroup/cpu", "/sys/fs/cgroup/cpu,cpuacct"}) {
    std::ifstream q(std::string(dir) + "/cpu.cfs_quota_us"), p(std::string(dir) + "/cpu.cfs_period_us");
    double quota = 0, period = 0;
    if (q >> quota && p >> period && quota > 0 && period > 0) return quota / period;
  }
  return 0;
}

}  // namespace

int affinity_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  if (sched_getaffinity(0, sizeof(set), &set) == 0) return std::max(1, CPU_COUNT(&set));
  return static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
}

double cgroup_cpu_quota() {
  const double v2 = v2_quota();
  return v2 > 0 ? v2 : v1_quota();
}

int default_thread_budget() {
  if (const char* env = std::getenv("ODVD_NUM_THREADS")) {
    char* end = nullptr;
    const long n = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && n > 0) return static_cast<int>(std::min<long>(n, 1024));
  }
  int budget = affinity_cpus();
  const double quota = cgroup_cpu_quota();
  if (quota > 0) budget = std::min(budget, static_cast<int>(std::ceil(quota)));
  return std::max(1, budget);
}

}  // namespace odvd
