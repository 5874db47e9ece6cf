// Machine facts printed with every benchmark's figures, so numbers from different hosts can be compared.
import os from "node:os";

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGb: number;
  node: string;
  platform: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? "unknown",
    cores: typeof os.availableParallelism === "function" ? os.availableParallelism() : cpus.length,
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    platform: `${os.platform()} ${os.release()} ${os.arch()}`,
  };
}

export function printMachine(): MachineInfo {
  const info = machineInfo();
  console.log(
    `machine: ${info.cpu}, ${info.cores} cores, ${info.memoryGb} GB RAM, node ${info.node}, ${info.platform}`,
  );
  return info;
}
