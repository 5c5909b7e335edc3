import ArgumentParser
import Foundation
import PatrolCore

/// `patrol-bench score` (was `patrol benchmark`): `ScoringEngine.score` on a generated
/// province-scale campaign (see BENCHMARKS.md).
struct ScoreBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Measure the scoring engine on a generated province-scale campaign (see BENCHMARKS.md).",
        discussion: "Build with -c release. Times exclude generating the input; peak memory includes it.")

    @Option(help: "Units.") var units = 2_000
    @Option(help: "Assets.") var assets = 50_000
    @Option(help: "Findings.") var findings = 500_000
    @Option(help: "Timed runs.") var runs = 5
    @Option(help: "Seed of the generator.") var seed: UInt64 = 2022

    func run() throws {
        let clock = ContinuousClock()
        let input = ProvinceWorkload.make(units: units, assets: assets, findings: findings, seed: seed)
        let afterInput = peakResidentMiB()
        var times: [Duration] = []
        var sheet: ScoreSheet?
        for _ in 0..<max(1, runs) {
            let start = clock.now
            sheet = try ScoringEngine.score(input)
            times.append(clock.now - start)
        }
        times.sort()
        let s = sheet!
        let lines = s.units.reduce(0) { $0 + $1.lines.count }
        print("scoring: \(units) units, \(assets) assets, \(findings) findings → \(lines) explained lines")
        print("time per run: min \(format(times.first!)), median \(format(times[times.count / 2])), max \(format(times.last!)) over \(times.count) runs")
        print("peak resident memory: \(peakResidentMiB()) MiB (after generating the input: \(afterInput) MiB)")
        let zero = s.units.filter { $0.total == .zero }.count
        print("totals: top \(s.units[0].unit) \(s.units[0].total), median \(s.units[s.units.count / 2].total), "
              + "last \(s.units[s.units.count - 1].total); \(zero) units at 0")
    }

    func format(_ d: Duration) -> String {
        "\(Int(d / .milliseconds(1))) ms"
    }

    func peakResidentMiB() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return Int(usage.ru_maxrss) / 1024  // Linux reports kilobytes
    }
}
