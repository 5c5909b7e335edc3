/// A benchmark that could not run or whose result does not check out: one line on standard error, exit 1.
struct BenchmarkFailure: Error, CustomStringConvertible {
    var description: String
}
