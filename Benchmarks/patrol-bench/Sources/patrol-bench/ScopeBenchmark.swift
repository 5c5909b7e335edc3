import ArgumentParser
import Foundation
import PatrolCore

/// `patrol-bench scope` (was `patrol benchmark-scope`): the gateway's per-request decisions on a
/// generated 10,000-asset scope (see BENCHMARKS.md). Build with -c release.
struct ScopeBenchmark: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scope",
        abstract: "Measure scope compilation, scope decisions and the payload scanner (see BENCHMARKS.md).")

    @Option(help: "Iterations per timed decision.") var iterations = 2_000_000

    func run() throws {
        var assets: [ScopeAsset] = []
        for i in 0..<4000 {
            assets.append(ScopeAsset(code: "H\(i)", unit: "U\(i % 300)", kind: .website,
                                     target: "https://www\(i).unit\(i % 300).example.gov.cn/", ports: i % 3 == 0 ? "80,443" : nil))
        }
        for i in 0..<3000 { assets.append(ScopeAsset(code: "S\(i)", unit: "U\(i % 300)", kind: .domain, target: "*.dept\(i).gov.cn", ports: nil)) }
        for i in 0..<2000 {
            assets.append(ScopeAsset(code: "A\(i)", unit: "U\(i % 300)", kind: .ip,
                                     target: "203.\(i / 256).\(i % 256).\(i % 200 + 1)", ports: "80,443,8000-8100"))
        }
        for i in 0..<1000 {
            assets.append(ScopeAsset(code: "N\(i)", unit: "U\(i % 300)", kind: .cidr,
                                     target: "\(i % 200 + 10).\(i % 256).0.0/\([16, 20, 24, 28][i % 4])", ports: nil))
        }
        let clock = ContinuousClock()
        var compiled: Scope?
        let compileTime = clock.measure { compiled = Scope.compile(assets).scope }
        guard let scope = compiled else { return }
        print("compile \(assets.count) assets: \(compileTime)")

        // A quarter each: exact names, wildcard matches, misses, and near-misses at a label boundary.
        let names = (0..<1000).map { i -> String in
            switch i % 4 {
            case 0: "www\(i).unit\(i % 300).example.gov.cn"
            case 1: "deep.sub.host\(i).dept\(i).gov.cn"
            case 2: "Not-In-Scope\(i).Example.com."
            default: "evil-dept\(i).gov.cn"
            }
        }
        let addresses = (0..<1000).map { i in IPAddress.v4(UInt32(truncatingIfNeeded: 0xcb00_0000 | (i &* 2_654_435_761 & 0x00ff_ffff))) }
        let resolved = addresses.map { [IPAddress("127.0.0.1")!, $0] }
        let literals = (0..<250).map { "203.0.113.\($0)" }
        var k = 0
        func measure(_ label: String, _ n: Int, _ body: () -> Int) {
            var sink = 0
            let elapsed = clock.measure { for _ in 0..<n { sink &+= body() } }
            let ns = elapsed / .nanoseconds(1) / Double(n)
            print("\(label): \(String(format: "%.0f", ns)) ns (\(sink % 2))")
        }
        measure("nameMatch", iterations) { k &+= 1; return scope.nameMatch(host: names[k % 1000], port: 443) == nil ? 0 : 1 }
        measure("addressMatch", iterations) { k &+= 1; return scope.addressMatch(addresses[k % 1000], port: 443) == nil ? 0 : 1 }
        measure("decide name + 2 resolved addresses", iterations) {
            k &+= 1
            if case .allow = scope.decide(host: names[k % 1000], port: 443, resolved: resolved[k % 1000]) { return 1 }
            return 0
        }
        measure("decide IP literal", iterations) {
            k &+= 1
            if case .allow = scope.decide(host: literals[k % 250], port: 443, resolved: []) { return 1 }
            return 0
        }
        let request = Array(String(repeating: "GET /search?q=how+to+update+a+row&page=2 Accept: text/html {\"title\":\"drop-in\"} ",
                                   count: 16).utf8.prefix(1024))
        measure("DangerousPayload.scan 1 KiB", iterations / 20) { DangerousPayload.scan(request).count }
        let words = Array(String(repeating: "delete from t where drop rm del ", count: 32).utf8.prefix(1024))
        measure("DangerousPayload.scan 1 KiB of trigger words", iterations / 20) { DangerousPayload.scan(words).count }
    }
}
