-- Conventions signed by a DANE and in force on this node (docs/federation.md, "Pour la DANE") :
-- one row per convention (académie and identifier), holding the version in force, so that an
-- older version is refused even after a restart, and the signed document, whose links naming
-- this node are applied beside the hand-written [[links]].
CREATE TABLE federation_conventions (
    academie TEXT NOT NULL,
    convention TEXT NOT NULL,
    version BIGINT NOT NULL,
    signer_key TEXT NOT NULL,
    document TEXT NOT NULL,
    applied_at BIGINT NOT NULL,
    PRIMARY KEY (academie, convention)
);
