// The CPU threads this process may use, as the machine and its container allow: the CPUs of the
// process's affinity mask (taskset, a DataLoader worker pinned to cores), no more than the cgroup's CPU
// quota (Docker --cpus, Kubernetes limits: cgroup v2 cpu.max or v1 cpu.cfs_quota_us), and the
// environment variable ODVD_NUM_THREADS when set. So N processes each given a share of the machine do
// not each start a thread per core (docs/design.md, "Threads").
#pragma once

namespace odvd {

// ODVD_NUM_THREADS (a positive integer) when set, else min(affinity CPUs, ceil(cgroup quota)), at least 1.
int default_thread_budget();

// The parts, for tests and build_info: CPUs in the affinity mask, and the cgroup quota in CPUs (0: none).
int affinity_cpus();
double cgroup_cpu_quota();

}  // namespace odvd
