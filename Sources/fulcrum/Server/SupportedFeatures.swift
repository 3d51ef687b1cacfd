import FulcrumConfig

/// The configuration features this build of Fulcrum implements. Keys of the others are rejected with a clear
/// "not supported yet" error rather than accepted and ignored. Kept in one place so that each feature is switched
/// on by the change that builds it.
enum SupportedFeatures {
    static let current: ConfigFeatures = [
        .algorithms, .healthCheck, .proxyProtocolSend, .proxyProtocolAccept, .udp, .limits, .acl, .admin,
    ]
}
