// Starts Swagger UI on /docs with the platform's own OpenAPI document. Nothing is fetched from
// elsewhere: no validator badge, no sample spec, no URL box to load other documents.
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    layout: "BaseLayout",
    presets: [SwaggerUIBundle.presets.apis],
    deepLinking: true,
    persistAuthorization: true,  // a token typed into "Authorize" survives a reload
    displayRequestDuration: true,
    filter: true,
    validatorUrl: null,
    queryConfigEnabled: false
  });
})();
