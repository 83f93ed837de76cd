/* Starts Swagger UI on the /docs page (console/templates/apidocs/swagger.html). In a file of its
   own because the Content-Security-Policy allows no inline script. */
(function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-openapi-url"),
    domNode: root,
    // The "online validator" badge is an <img> from validator.swagger.io, which would also
    // be sent the address of our API description. Swagger UI 5.x renders it only in
    // StandaloneLayout (we use BaseLayout and do not load the standalone preset) and only
    // when the page's host is neither localhost nor 127.0.0.1, i.e. on every office server.
    // null turns it off for good, whatever the layout.
    validatorUrl: null,
    // Never take ?url= or ?configUrl= from the address bar (the default in 5.x; kept
    // explicit): a crafted link must not make the page load another host's document.
    queryConfigEnabled: false,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    deepLinking: true,
    showExtensions: true,
    showCommonExtensions: true
  });
})();
