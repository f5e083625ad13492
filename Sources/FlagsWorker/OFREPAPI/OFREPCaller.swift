import EdgeWorker

/// Whoever an OFREP route admitted: an `fs_` key, bound to one environment, or an `ff_` token,
/// bound to a project (the environment then comes from the context's `environment`).
enum OFREPCaller: ProjectScoped {
    case key(APIKeyRecord)
    case token(TokenRecord)

    var projectID: String {
        switch self {
        case .key(let key): key.projectID
        case .token(let token): token.projectID
        }
    }

    var actor: String {
        switch self {
        case .key(let key): key.actor
        case .token(let token): token.actor
        }
    }

    /// What the answer cache knows the credential by: what it may see, and where.
    var credentialID: String {
        switch self {
        case .key(let key): "k" + key.id
        case .token(let token): token.hash
        }
    }

    /// The environment the credential fixes (a key's slug); nil for a token.
    var environment: String? {
        if case .key(let key) = self { return key.environmentSlug }
        return nil
    }
}

/// An OFREP route's call.
typealias OFREPCall = Call<OFREPCaller>

extension Gate where Who == OFREPCaller {
    /// `X-API-Key: fs_…`, or `Authorization: Bearer ff_…` allowed `read:flags` (or, at
    /// `.headerOrQuery`, either kind in the query, told apart by the `ff_` prefix). Each kind is
    /// counted in its own evaluation budget, as in its own dialect.
    static func ofrep(at location: CredentialLocation = .header) -> Gate {
        Gate(authentication: .apiKeyOrToken, credentialLocation: location, admit: .now { admission throws(APIError) in
            try admission.countClientAddress()
            let request = admission.request
            // A key header is the credential even when empty: a blank key is refused, not skipped.
            let keyHeader = request.headers["X-API-Key"]
            let bearer = try BearerCredential.parse(request)
            let queried = location.queryParameter.flatMap { request.queryParameter($0) } ?? ""
            if keyHeader == nil && (bearer != nil || queried.hasPrefix("ff_")) {
                let token = try admission.authenticateToken(at: location)
                try admission.count(token.hash, budget: .tokenEvaluations)
                try TokenRecord.authorize(token, .permission(.readFlags))
                return .token(token)
            }
            guard keyHeader != nil || !queried.isEmpty else { throw .unauthorized }
            let key = try admission.authenticateAPIKey(at: location)
            try admission.count("k" + key.id, budget: .keyEvaluations)
            return .key(key)
        })
    }
}
