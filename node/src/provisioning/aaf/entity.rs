//! The six entity files of a feed: how their names, categories and attributes are spelled
//! (2D and 1D names together, aaf.md §6 and §11).

/// An entity file type of an AAF feed, in the order an importer must apply them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize)]
pub enum Entity {
    /// `EtabEducNat`: structures.
    Structure,
    /// `MatiereEducNat`: subjects (2D only).
    Subject,
    /// `MefEducNat`: MEF nomenclature (2D only).
    Mef,
    /// `Eleve`: pupils.
    Pupil,
    /// `PersRelEleve`: responsables.
    Relation,
    /// `PersEducNat`: staff and teachers.
    Staff,
}

impl Entity {
    /// Every entity, in the order an importer applies them (structures first).
    pub const ALL: [Entity; 6] = [
        Self::Structure,
        Self::Subject,
        Self::Mef,
        Self::Pupil,
        Self::Relation,
        Self::Staff,
    ];

    /// The type as written in file names (`…_Complet_20240916_<Type>_0000.xml`).
    pub fn file_type(self) -> &'static str {
        match self {
            Self::Structure => "EtabEducNat",
            Self::Subject => "MatiereEducNat",
            Self::Mef => "MefEducNat",
            Self::Pupil => "Eleve",
            Self::Relation => "PersRelEleve",
            Self::Staff => "PersEducNat",
        }
    }

    /// The entity of a file type read from a name, spelled as in feeds.
    pub fn from_file_type(value: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|entity| entity.file_type() == value)
            .or_else(|| (value == "MatEducNat").then_some(Self::Subject))
    }

    /// What the records are, in French, for messages (« élèves »).
    pub fn label(self) -> &'static str {
        match self {
            Self::Structure => "structures",
            Self::Subject => "matières",
            Self::Mef => "MEF",
            Self::Pupil => "élèves",
            Self::Relation => "responsables",
            Self::Staff => "personnels",
        }
    }

    /// Values of `operationalAttributes` that belong in this file.
    pub(super) fn categories(self) -> &'static [&'static str] {
        match self {
            Self::Structure => &["EtabEducNat"],
            Self::Subject => &["MatEducNat", "MatiereEducNat"],
            Self::Mef => &["MefEducNat"],
            Self::Pupil => &["Eleve"],
            Self::Relation => &["PersRelEleve"],
            Self::Staff => &["PersEducNat"],
        }
    }

    /// The attribute that repeats the identifier, checked against `<id>`.
    pub(super) fn jointure(self) -> &'static str {
        match self {
            Self::Structure => "ENTStructureJointure",
            Self::Subject => "ENTMatJointure",
            Self::Mef => "ENTMefJointure",
            Self::Pupil | Self::Relation | Self::Staff => "ENTPersonJointure",
        }
    }

    /// Every attribute known for this file, 2D and 1D; others are reported and ignored.
    pub(super) fn known(self) -> &'static [&'static str] {
        match self {
            Self::Structure => STRUCTURE,
            Self::Subject => &[
                "ENTMatJointure",
                "ENTLibelleMatiere",
                "ENTMatiereRattach",
                "categorieMatiere",
            ],
            Self::Mef => &[
                "ENTMefJointure",
                "ENTLibelleMef",
                "ENTMEFRattach",
                "ENTMEFSTAT11",
                "ENTNivFormation",
                "ENTFiliere",
                "categorieMef",
            ],
            Self::Pupil => PUPIL,
            Self::Relation => RELATION,
            Self::Staff => STAFF,
        }
    }
}

/// Attributes every person file may carry (names, 2D and 1D spellings).
macro_rules! person {
    ($($name:literal),* $(,)?) => {
        &[
            "ENTPersonJointure", "ENTPersonDateNaissance", "ENTPersonNomPatro", "sn", "givenName",
            "ENTPersonAutresPrenoms", "personalTitle", "mail", "categoriePersonne",
            "ENTPersonNom", "ENTPersonPrenom", "ENTPersonCivilite", "ENTPersonMail",
            "ENTPersonAdresse", "ENTPersonCodePostal", "ENTPersonVille", "ENTPersonPays",
            "homePhone", "telephoneNumber",
            $($name),*
        ]
    };
}

const STRUCTURE: &[&str] = &[
    "ENTStructureJointure",
    "ENTStructureUAI",
    "ENTEtablissementUAI",
    "ENTStructureSIREN",
    "ENTStructureNomCourant",
    "ENTStructureTypeStruct",
    "ENTStructureCodeTypeStruct",
    "ENTEtablissementMinistereTutelle",
    "ENTEtablissementCodeMinistereTutelle",
    "ENTEtablissementContrat",
    "postOfficeBox",
    "street",
    "postalCode",
    "l",
    "telephoneNumber",
    "facsimileTelephoneNumber",
    "ENTStructureMailSI",
    "ENTEtablissementStructRattachFctl",
    "ENTEtablissementBassin",
    "ENTServAcAcademie",
    "ENTServAcCodeAcademie",
    "ENTStructureClasses",
    "ENTStructureGroupes",
    "categorieStructure",
    "ENTEcoleMinistereTutelle",
    "ENTEcoleCodeMinistereTutelle",
    "ENTStructureBoitePostale",
    "ENTStructureAdresse",
    "ENTStructureCodePostal",
    "ENTStructureVille",
    "ENTStructureTelephone",
    "ENTStructureFax",
    "ENTEcoleSecteur",
    "ENTEcoleCirconscription",
    "ENTEcoleCommune",
    "ENTEcoleRPI",
    "ENTStructureEmail",
];

const PUPIL: &[&str] = person![
    "ENTEleveINE",
    "ENTEleveStructRattachId",
    "ENTElevePersRelEleve",
    "ENTEleveParents",
    "ENTElevePere",
    "ENTEleveMere",
    "ENTEleveAutoriteParentale",
    "ENTElevePersRelEleve1",
    "ENTEleveQualitePersRelEleve1",
    "ENTElevePersRelEleve2",
    "ENTEleveQualitePersRelEleve2",
    "ENTEleveBoursier",
    "ENTEleveTransport",
    "ENTEleveRegime",
    "ENTEleveStatutEleve",
    "ENTEleveMEF",
    "ENTEleveLibelleMEF",
    "ENTEleveNivFormation",
    "ENTEleveFiliere",
    "ENTEleveEnseignements",
    "ENTEleveCodeEnseignements",
    "ENTPersonStructRattach",
    "ENTEleveClasses",
    "ENTEleveGroupes",
    "ENTEleveDateEntreeClasses",
    "ENTEleveDateSortieClasses",
    "ENTEleveAdresseRel",
    "ENTEleveStructureRattachIdMEN",
    "ENTEleveDateEntreeStructRattach",
    "ENTEleveDateSortieStructRattach",
    "ENTEleveEnseignementsEtablissementsAccueil",
    "ENTPersonClasses",
    "ENTPersonGroupes",
    "ENTEleveNiveau",
    "ENTEleveCycle",
    "ENTEleveTypeClasse",
    "ENTEleveRestaurantScolaire",
    "ENTEleveGarderieMatin",
    "ENTEleveGarderieSoir",
    "ENTEleveEtudesSurveillees",
];

const RELATION: &[&str] = person![
    "ENTPersonAdresseDiffusion",
    "mobile",
    "ENTPersonMobileSMS",
    "ENTAuxPersRelEleveEleve",
    "ENTPersonTelPerso",
    "ENTPersRelEleveTelPro",
    "ENTPersRelEleveTelMobile",
    "ENTPersRelEleveEleve",
];

const STAFF: &[&str] = person![
    "ENTPersonStructRattach",
    "ENTPersonFonctions",
    "ENTAuxEnsCategoDiscipline",
    "ENTAuxEnsDisciplinesPoste",
    "ENTAuxEnsMEF",
    "ENTAuxEnsMatiereEnseignEtab",
    "ENTAuxEnsClasses",
    "ENTAuxEnsGroupes",
    "ENTAuxEnsClassesMatieres",
    "ENTAuxEnsGroupesMatieres",
    "ENTAuxEnsClassesPrincipal",
    "PersEducNatPresenceDevantEleves",
    "ENTPersonCategorieEnseignant",
    "ENTEnsFonctionDir",
    "ENTPersonSTSId",
    "ENTPersonFonctionsDate",
    "ENTPersonStructRattachDate",
    "ENTEnsFonctionDirDate",
    "ENTPersonCategorieEnseignantDate",
    "ENTEnsSpecialites",
];
