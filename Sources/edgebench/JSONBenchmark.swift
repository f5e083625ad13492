import EdgeJSON
import Foundation

/// EdgeJSON parsing of what the hot path and the compiler parse: an evaluation request's body (a
/// context with a nested object) and a stored flag record, in nanoseconds per document.
func runJSONBenchmark(iterations: Int, runs: Int) {
    let documents: [(String, [UInt8])] = [
        ("evaluate body (context, 9 members)", Array(#"{"context":{"user_id":"user-42","email":"u42@example.org","plan":"pro","environment":"production","custom":{"country":"US","age":30}}}"#.utf8)),
        ("flag record (rule, rollout)", Array(#"{"key":"bulk-000001","enabled":true,"type":"string","defaultValue":"off","version":1,"targeting":{"rules":[{"conditions":[{"property":"plan","operator":"in","value":["pro"]}],"value":"on"}],"rollout":{"percentage":10}},"created_at":"2026-11-01T00:00:00.000Z","updated_at":"2026-11-01T00:00:00.000Z"}"#.utf8)),
    ]
    print("json: EdgeJSON parse, \(iterations) documents x \(runs) runs")
    for (name, bytes) in documents {
        var results: [Double] = []
        var sink = 0
        for _ in 0..<runs {
            let start = now()
            for _ in 0..<iterations {
                if case .object(let members) = try? JSONValue.parse(bytes) { sink &+= members.count }
            }
            results.append((now() - start) / Double(iterations))
        }
        precondition(sink > 0)
        print(String(format: "  %-38@ %.0f–%.0f ns", name as NSString, results.min() ?? 0, results.max() ?? 0))
    }
}
