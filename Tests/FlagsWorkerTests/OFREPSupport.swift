import EdgeJSON
import EdgeWorker
import Foundation
@testable import FlagsWorker
import Testing

/// OFREP requests on a flag harness: a credential (`ff_` token or `fs_` key) and a context.
extension FlagsHarness {
    @discardableResult
    func ofrep(_ path: String, token: String? = nil, apiKey: String? = nil, context: JSONValue? = nil, body: String? = nil,
               method: String = "POST", headers: Headers = [:]) async -> APIResponse {
        var all = headers
        if let token { all["Authorization"] = "Bearer \(token)" }
        if let apiKey { all["X-API-Key"] = apiKey }
        let text = body ?? context.map { JSONValue.object(["context": $0]).jsonString }
        if text != nil { all["Content-Type"] = "application/json" }
        let response = await harness.dispatch(Request(method: method, target: "/ofrep/v1" + path, headers: all,
                                                      body: Array((text ?? "").utf8)))
        let bytes = response.bodyBytes ?? []
        return APIResponse(status: response.status, json: (try? JSONValue.parse(bytes)) ?? .null,
                           headers: response.headers, text: String(decoding: bytes, as: UTF8.self))
    }

    /// `POST /ofrep/v1/evaluate/flags/{key}` → the 200's `{value, reason, variant}` (its `key` checked).
    func ofrepValue(_ key: String, token: String? = nil, apiKey: String? = nil, _ context: JSONValue) async -> JSONValue {
        let answer = await ofrep("/evaluate/flags/\(key)", token: token, apiKey: apiKey, context: context)
        #expect(answer.status == 200, "\(key): \(answer.text)")
        #expect(answer["key"]?.stringValue == key)
        var fields = answer.json.objectValue ?? [:]
        fields["key"] = nil
        return .object(fields)
    }

    /// The bulk answer's flags as `key → value` (error entries as their code).
    func ofrepBulk(token: String? = nil, apiKey: String? = nil, _ context: JSONValue) async -> [String: JSONValue] {
        let answer = await ofrep("/evaluate/flags", token: token, apiKey: apiKey, context: context)
        #expect(answer.status == 200, "\(answer.text)")
        var out: [String: JSONValue] = [:]
        for entry in answer["flags"]?.arrayValue ?? [] {
            guard let key = entry["key"]?.stringValue else { continue }
            out[key] = entry["value"] ?? entry["errorCode"] ?? .null
        }
        return out
    }
}
